/**
 * @module docker-api/http/raw-response
 * Writing HTTP responses by hand on a socket Node's HTTP server has already let go of (the
 * 'upgrade' path). Used for errors before a hijack and for ordinary routes reached with Upgrade
 * headers. Such responses always close the connection: after an upgrade request there is no
 * reliable request framing left to keep it alive.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

export function rawHead(status: number, headers: Readonly<Record<string, string>>): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return head + 'Connection: close\r\n\r\n';
}

export function writeRawResponse(socket: Socket, status: number, headers: Readonly<Record<string, string>>, body = ''): void {
  if (socket.destroyed) return;
  const buf = Buffer.from(body);
  const h = status === 204 || status === 304 ? { ...headers } : { ...headers, 'Content-Length': String(buf.length) };
  socket.end(Buffer.concat([Buffer.from(rawHead(status, h)), buf]));
}
