/**
 * @module web/guards
 * Request checks of the web listener (security notes T41/T42): Host allowlist (DNS rebinding),
 * Origin allowlist (CSRF and cross-site WebSocket hijacking), JSON-only POST bodies, cookies.
 * Pure functions over headers so they are tested without a server.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface GuardConfig { hosts: ReadonlySet<string>; origins: ReadonlySet<string> }

export const COOKIE = 'berth_session';

/** Hosts a client may name: the listener's own (as 127.0.0.1/localhost) and the allowed origins'. */
export function guardConfig(listen: { host: string; port: number }, origins: readonly string[]): GuardConfig {
  const hosts = new Set<string>([`${listen.host}:${listen.port}`, `127.0.0.1:${listen.port}`, `localhost:${listen.port}`]);
  if (listen.host === '::1') hosts.add(`[::1]:${listen.port}`);
  for (const o of origins) hosts.add(new URL(o).host);
  return { hosts, origins: new Set(origins.map((o) => new URL(o).origin)) };
}

export type Verdict = { ok: true } | { ok: false; status: number; message: string };

const deny = (status: number, message: string): Verdict => ({ ok: false, status, message });

/** `kind`: 'get' (Origin optional), 'post' and 'ws' (Origin required). */
export function checkRequest(h: IncomingHttpHeaders, method: string, kind: 'get' | 'post' | 'ws', cfg: GuardConfig): Verdict {
  const host = (h.host ?? '').toLowerCase();
  if (!cfg.hosts.has(host)) return deny(403, 'host not allowed');
  const origin = h.origin;
  if (origin !== undefined || kind !== 'get') {
    if (!origin || !cfg.origins.has(origin)) return deny(403, 'origin not allowed');
  }
  if (h['sec-fetch-site'] === 'cross-site') return deny(403, 'cross-site request refused');
  if (kind === 'post' && method !== 'GET' && method !== 'HEAD') {
    const ct = (h['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') return deny(415, 'Content-Type must be application/json');
  }
  return { ok: true };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k && !out.has(k)) out.set(k, part.slice(i + 1).trim());
  }
  return out;
}

export function sessionCookie(id: string, secure: boolean): string {
  return `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export const clearCookie = `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
