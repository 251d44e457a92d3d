/**
 * @module web/http-util
 * Small HTTP helpers of the web listener: size-capped JSON bodies, JSON replies, and refusing a
 * WebSocket upgrade with a plain HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function readJson(req: IncomingMessage, max = 16 * 1024): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new HttpError(413, 'request body too large');
    chunks.push(c);
  }
  let v: unknown;
  try { v = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { throw new HttpError(400, 'invalid JSON body'); }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string | string[]> = {}): void {
  const h: Record<string, string | string[]> = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers };
  if (body === undefined) { res.writeHead(status, h).end(); return; }
  const data = JSON.stringify(body);
  res.writeHead(status, { ...h, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) }).end(data);
}

export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The client address for rate limiting: behind the loopback Next proxy, its forwarded address. */
export function clientIp(req: IncomingMessage): string {
  const remote = req.socket.remoteAddress ?? '';
  const loop = remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1';
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return loop && first ? first : remote;
}
