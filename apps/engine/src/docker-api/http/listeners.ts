/**
 * @module docker-api/http/listeners
 * Where the API listens. `unix:///path` is the default and the only unauthenticated transport that
 * is safe (file mode 0660 gates it); `tcp://` is accepted for loopback addresses only, because
 * anyone who can reach the API is root on the host (notes/security.md T40). A stale socket file
 * left by a crash is removed, but never one a live daemon still answers on, and never a non-socket.
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { errors } from '@berth/runtime';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

export function parseHost(spec: string): ListenAddress {
  if (spec.startsWith('unix://')) {
    const p = spec.slice('unix://'.length);
    if (!path.isAbsolute(p)) throw errors.invalid(`invalid host ${spec}: the socket path must be absolute`);
    return { kind: 'unix', path: p };
  }
  if (spec.startsWith('tcp://')) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(spec);
    if (!m) throw errors.invalid(`invalid host ${spec}: expected tcp://127.0.0.1:PORT`);
    const host = m[1]!.replace(/^\[|\]$/g, '');
    if (!isLoopbackHost(host)) {
      throw errors.invalid(`refusing to listen on ${spec}: the Docker API has no authentication, so TCP is only allowed on loopback addresses`);
    }
    return { kind: 'tcp', host, port: Number(m[2]) };
  }
  throw errors.invalid(`invalid host ${spec}: expected unix:///path or tcp://127.0.0.1:PORT`);
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socketPath);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** Creates the parent directory and clears a stale socket file. */
export async function prepareUnixSocket(socketPath: string): Promise<void> {
  await fs.mkdir(path.dirname(socketPath), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = await fs.lstat(socketPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw errors.precondition(`refusing to replace ${socketPath}: it exists and is not a socket`);
  if (await answers(socketPath)) throw errors.unavailable(`another daemon is already listening on ${socketPath}`);
  await fs.unlink(socketPath);
}

export async function removeUnixSocket(socketPath: string): Promise<void> {
  await fs.unlink(socketPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
