/**
 * @module web/sessions
 * Login sessions (in memory: a daemon restart logs everyone out) and the login rate limiter.
 * A session id is 32 random bytes, base64url; it is the `berth_session` cookie. Revoking a
 * session fires the listeners (the terminal manager closes its terminals, the ws host drops its
 * tRPC sockets).
 */
import { randomBytes } from 'node:crypto';
import type { WebUser } from '@berth/api';

export interface Session { id: string; user: WebUser; createdAt: number; lastSeen: number }

/** Absolute lifetime; idle sessions end earlier. */
const MAX_AGE_MS = 12 * 3600_000;
const IDLE_MS = 2 * 3600_000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners: ((s: Session) => void)[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  create(user: WebUser): Session {
    const t = this.now();
    const s: Session = { id: randomBytes(32).toString('base64url'), user, createdAt: t, lastSeen: t };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session (and touches it), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.createdAt > MAX_AGE_MS || t - s.lastSeen > IDLE_MS) { this.revoke(id); return undefined; }
    s.lastSeen = t;
    return s;
  }

  alive(id: string): boolean { return this.get(id) !== undefined; }

  onRevoke(fn: (s: Session) => void): void { this.listeners.push(fn); }

  revoke(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    this.sessions.delete(id);
    for (const fn of this.listeners) { try { fn(s); } catch { /* a listener must not keep the session alive */ } }
    return true;
  }

  revokeUser(username: string): void {
    for (const s of [...this.sessions.values()]) if (s.user.username === username) this.revoke(s.id);
  }
}

/**
 * Failed-login limiter: at most `perKey` failures per (ip, username) and `perIp` per ip in a
 * sliding window. Checked BEFORE the password is verified so a blocked client cannot keep
 * guessing; a success clears the (ip, username) key.
 */
export class LoginLimiter {
  private readonly fails = new Map<string, number[]>();

  constructor(private readonly opts = { perKey: 5, perIp: 30, windowMs: 60_000 }, private readonly now: () => number = Date.now) {}

  blocked(ip: string, username: string): boolean {
    return this.count(`k:${ip}\n${username}`) >= this.opts.perKey || this.count(`i:${ip}`) >= this.opts.perIp;
  }

  fail(ip: string, username: string): void {
    for (const k of [`k:${ip}\n${username}`, `i:${ip}`]) {
      const list = this.fails.get(k) ?? [];
      list.push(this.now());
      this.fails.set(k, list);
    }
    if (this.fails.size > 10_000) this.sweep();
  }

  succeed(ip: string, username: string): void { this.fails.delete(`k:${ip}\n${username}`); }

  private count(k: string): number {
    const list = this.fails.get(k);
    if (!list) return 0;
    const cut = this.now() - this.opts.windowMs;
    while (list.length && list[0]! <= cut) list.shift();
    if (!list.length) this.fails.delete(k);
    return list.length;
  }

  private sweep(): void { for (const k of [...this.fails.keys()]) this.count(k); }
}
