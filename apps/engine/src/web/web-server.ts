/**
 * @module web/web-server
 * berthd's dashboard listener (loopback only): /auth/* (auth.ts), /trpc over HTTP and WebSocket
 * (the @berth/api router), ws /tty (terminals.ts), GET /logs/<id> (download) and /healthz. Every
 * request passes the Host/Origin/JSON guards first; every WebSocket upgrade also needs a live
 * session. Revoking a session (logout) closes its tRPC sockets and its terminals.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { appRouter, type ApiContext, type WebPort } from '@berth/api';
import type { EngineServices, Logger } from '@berth/runtime';
import { codeOf } from '@berth/runtime';
import { UsersStore } from './users-store.js';
import { LoginLimiter, SessionStore, type Session } from './sessions.js';
import { Auth } from './auth.js';
import { TerminalManager } from './terminals.js';
import { checkRequest, guardConfig } from './guards.js';
import { HttpError, refuseUpgrade, sendJson } from './http-util.js';
import { downloadLogs } from './logs-download.js';
import { RegistryStore } from './registry-store.js';
import { downloadFile } from './files-download.js';

export interface WebServerOptions {
  services: EngineServices;
  logger: Logger;
  /** host:port; the host must be loopback (checked by the config). */
  listen: string;
  origins: readonly string[];
  terminalIdleSec: number;
  dataRoot: string;
  execRoot: string;
  /** Test hook: see TerminalManager. */
  hangup?: (pid: number) => void;
}

export interface WebServer {
  readonly port: number;
  readonly auth: Auth;
  readonly terminals: TerminalManager;
  close(): Promise<void>;
}

const MAX_WS_PAYLOAD = 1024 * 1024;

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(s);
  if (!m) throw new Error(`--web: expected HOST:PORT, got "${s}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export async function startWebServer(o: WebServerOptions): Promise<WebServer> {
  const { services, logger } = o;
  const users = new UsersStore(o.dataRoot);
  await users.load();
  const sessions = new SessionStore();
  const auth = new Auth(users, sessions, new LoginLimiter(), o.execRoot, logger);
  await auth.init();
  const registries = new RegistryStore(o.dataRoot);
  const terminals = new TerminalManager(services, logger, o.terminalIdleSec * 1000, o.hangup);
  const trpcSockets = new Map<string, Set<WebSocket>>();
  sessions.onRevoke((s) => {
    terminals.revokeAuthSession(s.id);
    for (const ws of trpcSockets.get(s.id) ?? []) ws.close(4401, 'revoked');
    trpcSockets.delete(s.id);
  });

  const web: WebPort = {
    sessionAlive: (id) => sessions.alive(id),
    terminals,
    users: {
      list: () => users.list(),
      create: (u) => users.create(u),
      // A removed user's sessions (and terminals) end with it.
      remove: async (name) => { await users.remove(name); sessions.revokeUser(name); await registries.removeOwner(name); },
    },
    registries,
  };
  const contextOf = (s: Session | undefined): ApiContext => ({ services, user: s?.user ?? null, sessionId: s?.id ?? null, web });

  const trpcHttp = createHTTPHandler({
    router: appRouter, basePath: '/trpc/', maxBodySize: MAX_WS_PAYLOAD,
    createContext: ({ req }) => contextOf(auth.sessionOf(req)),
    onError: ({ error, path }) => { if (error.code === 'INTERNAL_SERVER_ERROR') logger.error('trpc error', { path, err: error.cause ?? error }); },
  });

  const listen = parseListen(o.listen);
  let guards = guardConfig(listen, o.origins);

  const server = http.createServer((req, res) => { void route(req, res); });
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    try {
      const kind = method === 'GET' || method === 'HEAD' ? 'get' : 'post';
      const v = checkRequest(req.headers, method, kind, guards);
      if (!v.ok) return sendJson(res, v.status, { message: v.message });
      if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
      if (url.pathname.startsWith('/auth/')) return await auth.handle(url.pathname.slice(6), req, res);
      if (url.pathname.startsWith('/trpc/')) return trpcHttp(req, res);
      const m = /^\/logs\/([^/]+)$/.exec(url.pathname);
      if (m && method === 'GET') {
        const s = auth.sessionOf(req);
        if (!s) return sendJson(res, 401, { message: 'not logged in' });
        return await downloadLogs(services, decodeURIComponent(m[1]!), url.searchParams.get('timestamps') === '1', req, res);
      }
      const f = /^\/files\/([^/]+)$/.exec(url.pathname);
      if (f && method === 'GET') {
        const s = auth.sessionOf(req);
        if (!s) return sendJson(res, 401, { message: 'not logged in' });
        if (s.user.role !== 'admin') return sendJson(res, 403, { message: 'admin role required' });
        return await downloadFile(services, decodeURIComponent(f[1]!), url.searchParams.get('path') ?? '', url.searchParams.get('archive') === '1', req, res);
      }
      return sendJson(res, 404, { message: 'not found' });
    } catch (err) {
      if (res.headersSent) { res.destroy(); return; }
      if (err instanceof HttpError) return sendJson(res, err.status, { message: err.message });
      const code = codeOf(err);
      if (code === 'NOT_FOUND') return sendJson(res, 404, { message: (err as Error).message });
      if (code === 'ALREADY_EXISTS' || code === 'CONFLICT') return sendJson(res, 409, { message: (err as Error).message });
      if (code === 'INVALID_ARGUMENT') return sendJson(res, 400, { message: (err as Error).message });
      if (code === 'NOT_IMPLEMENTED') return sendJson(res, 501, { message: (err as Error).message });
      logger.error('web request failed', { path: url.pathname, err });
      return sendJson(res, 500, { message: 'internal error' });
    }
  }

  const trpcWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
  const wsHandler = applyWSSHandler({
    wss: trpcWss, router: appRouter,
    createContext: ({ req }) => contextOf(auth.sessionOf(req)),
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
  });
  const ttyWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://x');
    const v = checkRequest(req.headers, 'GET', 'ws', guards);
    if (!v.ok) return refuseUpgrade(socket, v.status, v.message);
    const s = auth.sessionOf(req);
    if (!s) return refuseUpgrade(socket, 401, 'not logged in');
    if (url.pathname === '/trpc') {
      trpcWss.handleUpgrade(req, socket, head, (ws) => {
        let set = trpcSockets.get(s.id);
        if (!set) trpcSockets.set(s.id, (set = new Set()));
        set.add(ws);
        ws.on('close', () => set.delete(ws));
        // Activity on a socket keeps its login session from idling out.
        ws.on('message', () => sessions.get(s.id));
        trpcWss.emit('connection', ws, req);
      });
      return;
    }
    if (url.pathname === '/tty') {
      const id = url.searchParams.get('session') ?? '';
      if (!terminals.has(id)) return refuseUpgrade(socket, 404, 'no such terminal session');
      ttyWss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('message', () => sessions.get(s.id));
        terminals.watch(id, ws, { role: s.user.role, authSessionId: s.id });
      });
      return;
    }
    refuseUpgrade(socket, 404, 'not found');
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(listen.port, listen.host, () => { server.off('error', rej); res(); });
  });
  const port = (server.address() as AddressInfo).port;
  if (listen.port === 0) guards = guardConfig({ ...listen, port }, o.origins);
  logger.info('dashboard API listening', { address: `${listen.host}:${port}`, origins: o.origins });

  return {
    port, auth, terminals,
    async close() {
      terminals.shutdown();
      wsHandler.broadcastReconnectNotification();
      for (const ws of [...trpcWss.clients, ...ttyWss.clients]) ws.terminate();
      await new Promise<void>((res) => { server.close(() => res()); server.closeAllConnections(); });
    },
  };
}
