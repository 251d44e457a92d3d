/**
 * Process helpers for the e2e's private engine and web server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';

export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number, alive?: () => boolean): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try { if (await fn()) return; } catch { /* not yet */ }
    if (alive && !alive()) throw new Error(`${what}: process exited`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

export function startDetached(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): number {
  const fd = openSync(log, 'a');
  const p = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, cwd });
  p.unref();
  if (!p.pid) throw new Error(`could not start ${cmd}`);
  return p.pid;
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** setpriv to nobody when we are root: the web server never needs privileges. */
export function unprivileged(cmd: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [cmd, args];
  const has = spawnSync('setpriv', ['--version']).status === 0;
  return has ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', cmd, ...args]] : [cmd, args];
}

export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
