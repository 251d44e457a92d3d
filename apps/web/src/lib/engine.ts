/**
 * @module lib/engine
 * Plain HTTP calls to the engine's auth endpoints (same-origin, under /engine). Bodies are JSON:
 * the engine refuses anything else (CSRF), and the browser adds Origin, which it checks.
 */
export interface Me { username: string; role: 'admin' | 'viewer' }

export class EngineHttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function engineJson<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/engine${path}`, body === undefined
    ? { credentials: 'same-origin', cache: 'no-store' }
    : { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = ((await res.json()) as { message?: string }).message ?? msg; } catch { /* not JSON */ }
    if (res.status === 429) msg = 'Too many attempts. Wait a minute and try again.';
    throw new EngineHttpError(res.status, msg);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** null when not logged in */
export async function fetchMe(): Promise<Me | null> {
  try { return await engineJson<Me>('/auth/me'); } catch (e) {
    if (e instanceof EngineHttpError && e.status === 401) return null;
    throw e;
  }
}

export function engineWsUrl(path: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/engine${path}`;
}
