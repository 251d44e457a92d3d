/**
 * @module docker-api/server
 * The Docker Engine API server: node:http on unix sockets (and loopback TCP), one route table for
 * plain requests and for upgraded (hijacked) connections.
 *
 * Request lifecycle: common headers → browser/Host guard → strip `/v1.NN` and negotiate the version
 * → match the route table (404 `page not found`) → handler returns a Reply → written here.
 * Every thrown value becomes a JSON error via http/errors.ts; nothing a request does can take the
 * daemon down. `Connection: Upgrade` requests arrive through the server's 'upgrade' event and go
 * through the same table; hijack replies then own the socket (http/hijack.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { EngineError, errors, type EngineServices, type Logger } from '@berth/runtime';
import { MAX_JSON_BODY } from './http/body.js';
import { errorBody, mapError, writeError } from './http/errors.js';
import { pumpSession, socketIo, upgradeHead, type HijackIo } from './http/hijack.js';
import { isLoopbackHost, parseHost, prepareUnixSocket, removeUnixSocket, type ListenAddress } from './http/listeners.js';
import { writeRawResponse, rawHead } from './http/raw-response.js';
import { API_VERSION, negotiate, splitVersion } from './http/version.js';
import { Router, type CompiledRoute, type HijackReply, type Method, type Reply, type RequestContext } from './router.js';
import { containerIoRoutes } from './routes/container-io.js';
import { containerCommitRoutes } from './routes/container-commit.js';
import { containerArchiveRoutes } from './routes/container-archive.js';
import { pruneRoutes } from './routes/prune.js';
import { containerRoutes } from './routes/containers.js';
import { execRoutes } from './routes/exec.js';
import { imageRoutes } from './routes/images.js';
import { imageDistributionRoutes } from './routes/images-distribution.js';
import { buildRoutes } from './routes/build.js';
import { stubRoutes } from './routes/stubs.js';
import { systemRoutes } from './routes/system.js';
import { volumeRoutes } from './routes/volumes.js';
import { networkRoutes } from './routes/networks.js';

export interface DockerApiServerOptions {
  /** `unix:///run/berth/berth.sock`, `tcp://127.0.0.1:2375` (loopback only). */
  hosts: string[];
  /** Mode of unix sockets; 0660 like /var/run/docker.sock. */
  socketMode?: number;
  logger: Logger;
}

export interface DockerApiServer {
  listen(): Promise<void>;
  close(): Promise<void>;
}

const NOT_FOUND_BODY = errorBody('page not found');

interface Prepared {
  route: CompiledRoute;
  params: Record<string, string>;
  path: string;
  query: URLSearchParams;
  apiVersion: string;
}

export function createDockerApiServer(services: EngineServices, opts: DockerApiServerOptions): DockerApiServer {
  const logger = opts.logger;
  const socketMode = opts.socketMode ?? 0o660;
  const router = new Router([
    ...systemRoutes(), ...containerRoutes(), ...containerIoRoutes(), ...containerCommitRoutes(), ...containerArchiveRoutes(), ...pruneRoutes(), ...execRoutes(), ...imageRoutes(), ...imageDistributionRoutes(), ...volumeRoutes(), ...networkRoutes(), ...buildRoutes(), ...stubRoutes(),
  ]);
  let engineVersion = '0.0.0';
  try {
    engineVersion = services.system.version().version;
  } catch (err) {
    logger.warn('could not read the engine version', { err });
  }
  const baseHeaders: Readonly<Record<string, string>> = {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `Berth/${engineVersion} (linux)`,
  };
  const hijacked = new Set<Socket>();
  const listeners: { server: http.Server; addr: ListenAddress }[] = [];

  /** Browsers can reach loopback and unix-socket proxies; nothing legitimate sends these headers. */
  function guard(req: IncomingMessage, addr: ListenAddress): void {
    const site = req.headers['sec-fetch-site'];
    if (req.headers.origin || (site && site !== 'none')) {
      throw new EngineError('PERMISSION_DENIED', 'requests from web browsers are not accepted on the Docker API');
    }
    if (addr.kind === 'tcp') {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!isLoopbackHost(host)) throw errors.invalid(`invalid Host header "${req.headers.host ?? ''}": DNS rebinding protection`);
    }
  }

  /** Routing shared by both paths; undefined means 404. */
  function prepare(req: IncomingMessage, addr: ListenAddress): Prepared | undefined {
    guard(req, addr);
    const url = new URL(req.url ?? '/', 'http://docker');
    const { version, path } = splitVersion(url.pathname);
    const apiVersion = negotiate(version);
    const m = router.match(req.method ?? 'GET', path);
    return m && { route: m.route, params: m.params, path, query: url.searchParams, apiVersion };
  }

  function context(p: Prepared, req: IncomingMessage, body: Readable, signal: AbortSignal): RequestContext {
    return {
      method: (req.method ?? 'GET') as Method, path: p.path, params: p.params, query: p.query, apiVersion: p.apiVersion,
      headers: req.headers, body, signal, services, logger,
    };
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse, addr: ListenAddress): Promise<void> {
    for (const [k, v] of Object.entries(baseHeaders)) res.setHeader(k, v);
    const ac = new AbortController();
    res.once('close', () => ac.abort());
    // A client that vanished mid-stream must not surface as an unhandled 'error' event.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    try {
      const p = prepare(req, addr);
      if (!p) {
        res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(NOT_FOUND_BODY) });
        res.end(NOT_FOUND_BODY);
        return;
      }
      const ctx = context(p, req, req, ac.signal);
      const reply = await p.route.handler(ctx);
      await sendReply(req, res, reply, ctx);
    } catch (err) {
      writeError(res, err, logger);
    }
  }

  async function sendReply(req: IncomingMessage, res: ServerResponse, reply: Reply, ctx: RequestContext): Promise<void> {
    const extra = 'headers' in reply && reply.headers ? reply.headers : {};
    switch (reply.kind) {
      case 'json': {
        const body = JSON.stringify(reply.body) + '\n';
        res.writeHead(reply.status, { ...extra, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'text':
        res.writeHead(reply.status, { ...extra, 'Content-Type': reply.contentType, 'Content-Length': Buffer.byteLength(reply.body) });
        res.end(ctx.method === 'HEAD' ? undefined : reply.body);
        return;
      case 'empty':
        res.writeHead(reply.status, extra);
        res.end();
        return;
      case 'stream':
        res.writeHead(reply.status, { ...extra, 'Content-Type': reply.contentType });
        res.flushHeaders();
        try {
          await reply.write(res, ctx.signal);
        } catch (err) {
          logger.warn('stream response failed', { path: ctx.path, err });
        }
        res.end();
        return;
      case 'hijack': {
        // No Upgrade header: an unframed 200 that ends with the connection, stdin from the body.
        res.removeHeader('Transfer-Encoding');
        res.writeHead(200, { 'Content-Type': reply.contentType, Connection: 'close' });
        res.flushHeaders();
        const io: HijackIo = {
          input: req,
          output: res,
          finish: () => res.end(),
          onClose: (cb) => res.once('close', cb),
        };
        await pumpSession(reply.session, io, { stdin: reply.stdin, detachKeys: reply.detachKeys, logger });
        return;
      }
    }
  }

  /** Splits the request body (Content-Length bytes) from the raw stream that follows it. */
  async function readUpgradeBody(req: IncomingMessage, socket: Socket, head: Buffer): Promise<Buffer> {
    const len = Number(req.headers['content-length'] ?? 0);
    if (!Number.isFinite(len) || len < 0) throw errors.invalid('invalid Content-Length');
    if (len > MAX_JSON_BODY) throw errors.invalid(`request body too large: the limit is ${MAX_JSON_BODY} bytes`);
    let buf = head;
    // A chunked request with nothing to send (dockerode hijack without stdin) ends with a last-chunk.
    if (!len && /chunked/i.test(String(req.headers['transfer-encoding'] ?? '')) && buf.subarray(0, 5).toString() === '0\r\n\r\n') {
      buf = buf.subarray(5);
    }
    while (buf.length < len) {
      const chunk = await nextChunk(socket);
      if (!chunk) throw errors.invalid('invalid JSON: got EOF while reading request body');
      buf = Buffer.concat([buf, chunk]);
    }
    if (buf.length > len) socket.unshift(buf.subarray(len));
    return buf.subarray(0, len);
  }

  async function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, addr: ListenAddress): Promise<void> {
    socket.on('error', () => undefined);
    const ac = new AbortController();
    socket.once('close', () => ac.abort());
    hijacked.add(socket);
    socket.once('close', () => hijacked.delete(socket));
    try {
      const p = prepare(req, addr);
      if (!p) {
        writeRawResponse(socket, 404, { ...baseHeaders, 'Content-Type': 'application/json' }, NOT_FOUND_BODY);
        return;
      }
      const body = await readUpgradeBody(req, socket, head);
      const ctx = context(p, req, Readable.from(body.length ? [body] : []), ac.signal);
      const reply = await p.route.handler(ctx);
      if (reply.kind === 'hijack') {
        await pumpUpgraded(socket, reply);
      } else {
        await sendRawReply(socket, reply, ctx);
      }
    } catch (err) {
      const { status, message } = mapError(err, logger);
      writeRawResponse(socket, status, { ...baseHeaders, 'Content-Type': 'application/json' }, errorBody(message));
    }
  }

  async function pumpUpgraded(socket: Socket, reply: HijackReply): Promise<void> {
    socket.setNoDelay(true);
    socket.write(upgradeHead(reply.contentType));
    await pumpSession(reply.session, socketIo(socket), { stdin: reply.stdin, detachKeys: reply.detachKeys, logger });
  }

  async function sendRawReply(socket: Socket, reply: Exclude<Reply, HijackReply>, ctx: RequestContext): Promise<void> {
    const extra = reply.headers ?? {};
    switch (reply.kind) {
      case 'json':
        writeRawResponse(socket, reply.status, { ...baseHeaders, ...extra, 'Content-Type': 'application/json' }, JSON.stringify(reply.body) + '\n');
        return;
      case 'text':
        writeRawResponse(socket, reply.status, { ...baseHeaders, ...extra, 'Content-Type': reply.contentType }, reply.body);
        return;
      case 'empty':
        writeRawResponse(socket, reply.status, { ...baseHeaders, ...extra });
        return;
      case 'stream':
        socket.write(rawHead(reply.status, { ...baseHeaders, ...extra, 'Content-Type': reply.contentType }));
        try {
          await reply.write(socket, ctx.signal);
        } catch (err) {
          logger.warn('stream response failed', { path: ctx.path, err });
        }
        socket.end();
    }
  }

  function makeServer(addr: ListenAddress): http.Server {
    // requestTimeout 0: a non-upgraded attach streams stdin in the request body for as long as it lives.
    const server = http.createServer({ requestTimeout: 0, headersTimeout: 60_000 });
    const bug = (err: unknown) => logger.error('Docker API request handling failed', { err });
    server.on('request', (req, res) => onRequest(req, res, addr).catch(bug));
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => onUpgrade(req, socket, head, addr).catch(bug));
    server.on('clientError', (err, socket) => {
      if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      } else {
        socket.destroy();
      }
    });
    return server;
  }

  async function listenOne(addr: ListenAddress): Promise<http.Server> {
    const server = makeServer(addr);
    if (addr.kind === 'unix') await prepareUnixSocket(addr.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (addr.kind === 'tcp') {
        server.listen(addr.port, addr.host, () => resolve());
        return;
      }
      // bind(2) creates the socket file with the umask applied: narrow it so the file is never
      // briefly wider than socketMode.
      const old = process.umask(0o777 & ~socketMode);
      try {
        server.listen(addr.path, () => resolve());
      } finally {
        process.umask(old);
      }
    });
    server.removeAllListeners('error');
    server.on('error', (err) => logger.error('Docker API listener error', { err }));
    if (addr.kind === 'unix') await fs.chmod(addr.path, socketMode);
    return server;
  }

  return {
    async listen() {
      const addrs = opts.hosts.map(parseHost);
      for (const addr of addrs) {
        const server = await listenOne(addr);
        listeners.push({ server, addr });
        logger.info('Docker API listening', { host: addr.kind === 'unix' ? `unix://${addr.path}` : `tcp://${addr.host}:${addr.port}` });
      }
    },
    async close() {
      const closing = listeners.splice(0).map(({ server, addr }) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => (addr.kind === 'unix' ? removeUnixSocket(addr.path) : undefined)));
      // Upgraded sockets are no longer tracked by the HTTP server; their sessions detach on close.
      for (const s of hijacked) s.destroy();
      hijacked.clear();
      await Promise.all(closing);
    },
  };
}

/** Reads one chunk from a paused socket without leaving it flowing; null on EOF. */
function nextChunk(socket: Socket): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    const onData = (d: Buffer) => {
      cleanup();
      socket.pause();
      resolve(d);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}
