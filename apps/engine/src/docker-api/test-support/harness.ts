/**
 * @module docker-api/test-support/harness
 * Runs the real Docker API server on a temp unix socket over fake services, plus raw HTTP helpers
 * (node:http with socketPath, and a hand-rolled upgrade request for hijack tests).
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@berth/runtime';
import { createDockerApiServer } from '../server.js';
import { createFakeServices, type FakeServices } from './fake-services.js';

export interface CapturedLog {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export function captureLogger(): Logger & { lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push({ level, msg, fields }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestServer {
  sock: string;
  services: FakeServices;
  logger: ReturnType<typeof captureLogger>;
  close(): Promise<void>;
}

export async function startTestServer(services: FakeServices = createFakeServices()): Promise<TestServer> {
  const dir = await mkdtemp('/tmp/bt-');
  const sock = path.join(dir, 'docker.sock');
  const logger = captureLogger();
  const server = createDockerApiServer(services, { hosts: [`unix://${sock}`], logger });
  await server.listen();
  return {
    sock, services, logger,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function request(sock: string, method: string, urlPath: string,
  opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) {
      headers['Content-Length'] = String(Buffer.byteLength(opts.body));
      headers['Content-Type'] ??= 'application/json';
    }
    const req = http.request({ socketPath: sock, method, path: urlPath, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString(), json: () => JSON.parse(body.toString()) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface Hijacked {
  /** Status line and headers, as received. */
  head: string;
  socket: net.Socket;
  /** Everything received after the head, until the server closes. */
  rest(): Promise<Buffer>;
  /** What was received after the head so far. */
  received(): Buffer;
}

/** Sends a request with `Connection: Upgrade` the way the docker CLI does and waits for the head. */
export function hijack(sock: string, urlPath: string, body?: string): Promise<Hijacked> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(sock);
    let buf = Buffer.alloc(0);
    const received: Buffer[] = [];
    let ended = false;
    const endWaiters: (() => void)[] = [];
    socket.on('error', reject);
    socket.on('close', () => { ended = true; endWaiters.forEach((w) => w()); });
    socket.on('connect', () => {
      const b = body ?? '';
      socket.write(`POST ${urlPath} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`
        + `Content-Type: ${body ? 'application/json' : 'text/plain'}\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`);
    });
    let headDone = false;
    socket.on('data', (d: Buffer) => {
      if (headDone) { received.push(d); return; }
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      headDone = true;
      const head = buf.subarray(0, i).toString();
      const after = buf.subarray(i + 4);
      if (after.length) received.push(after);
      resolve({
        head, socket,
        received: () => Buffer.concat(received),
        rest: () => new Promise((r) => {
          const done = () => r(Buffer.concat(received));
          if (ended) done(); else endWaiters.push(done);
        }),
      });
    });
  });
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds (or `ms` pass): fixed sleeps flake on a loaded 2-core machine. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await delay(10);
}
