/**
 * @module web/test-support/web-client
 * A Node client of the dashboard listener for tests: raw HTTP with exact headers (Host, Origin,
 * Content-Type), the session cookie, a tRPC client over ws (Node 20 has no WebSocket global, and a
 * browser's Origin/Cookie must be set by hand), and /tty sockets.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { createTRPCClient, createWSClient, wsLink, type TRPCClient } from '@trpc/client';
import type { AppRouter } from '@berth/api';

export interface Res { status: number; body: string; headers: http.IncomingHttpHeaders; json<T = any>(): T } // eslint-disable-line @typescript-eslint/no-explicit-any

export class WebClient {
  cookie = '';
  private readonly closers: (() => void)[] = [];

  constructor(readonly port: number, readonly origin = 'http://127.0.0.1:3000') {}

  request(method: string, path: string, body?: unknown, headers: Record<string, string | undefined> = {}): Promise<Res> {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const h: Record<string, string> = { host: `127.0.0.1:${this.port}` };
    if (method !== 'GET') h.origin = this.origin;
    if (data !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    for (const [k, v] of Object.entries(headers)) { if (v === undefined) delete h[k.toLowerCase()]; else h[k.toLowerCase()] = v; }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path, headers: h, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const set = res.headers['set-cookie']?.[0];
          if (set?.startsWith('berth_session=')) this.cookie = set.split(';')[0]!.endsWith('=') ? '' : set.split(';')[0]!;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  async login(username: string, password: string): Promise<Res> { return this.request('POST', '/auth/login', { username, password }); }

  /** tRPC over ws /trpc with this client's cookie and origin. */
  trpc(): TRPCClient<AppRouter> {
    const { cookie, origin } = this;
    class AuthedWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) { super(url, protocols, { headers: { cookie, origin } }); }
    }
    const client = createWSClient({ url: `ws://127.0.0.1:${this.port}/trpc`, WebSocket: AuthedWebSocket as unknown as typeof globalThis.WebSocket, retryDelayMs: () => 60_000 });
    this.closers.push(() => void client.close());
    return createTRPCClient<AppRouter>({ links: [wsLink({ client })] });
  }

  /** Opens ws /tty?session=id; rejects with the HTTP status when the upgrade is refused. */
  tty(sessionId: string, headers: Record<string, string> = {}): Promise<Tty> {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/tty?session=${encodeURIComponent(sessionId)}`, {
      headers: { cookie: this.cookie, origin: this.origin, ...headers },
    });
    const t = new Tty(ws);
    this.closers.push(() => ws.terminate());
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(t));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  close(): void { for (const c of this.closers.splice(0)) c(); }
}

export class Tty {
  out = Buffer.alloc(0);
  readonly texts: { type: string; [k: string]: unknown }[] = [];
  closeCode: number | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer, bin) => {
      if (bin) this.out = Buffer.concat([this.out, d]);
      else this.texts.push(JSON.parse(d.toString()));
      for (const w of this.waiters) w();
    });
    ws.on('close', (code) => { this.closeCode = code; for (const w of this.waiters) w(); });
  }

  get text(): string { return this.out.toString('utf8'); }

  send(s: string | Buffer): void { this.ws.send(Buffer.from(s), { binary: true }); }

  /** Resolves when `pred` holds (checked on every frame), rejects after `ms`. */
  until(pred: (t: Tty) => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => { if (pred(this)) { done(); resolve(); } };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}; output: ${JSON.stringify(this.text.slice(-500))} texts: ${JSON.stringify(this.texts)}`)); }, ms);
      const done = () => { clearTimeout(timer); this.waiters.delete(check); };
      this.waiters.add(check);
    });
  }
}
