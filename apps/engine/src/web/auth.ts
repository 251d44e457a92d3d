/**
 * @module web/auth
 * The /auth/* endpoints and the bootstrap token. First run (no users): a one-time token is
 * written to `<exec-root>/web-bootstrap-token` (0600) and logged; POST /auth/bootstrap with it
 * creates the first admin and deletes the token, so a second call is 403 (T43). Login failures
 * all read "invalid username or password" (no user enumeration) and are rate-limited per
 * client+username and per client.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@berth/runtime';
import type { Role } from '@berth/api';
import type { UsersStore } from './users-store.js';
import type { LoginLimiter, Session, SessionStore } from './sessions.js';
import { clearCookie, COOKIE, parseCookies, sessionCookie } from './guards.js';
import { clientIp, HttpError, readJson, sendJson } from './http-util.js';

const USERNAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const BAD_LOGIN = 'invalid username or password';

export class Auth {
  private bootstrapToken: string | null = null;
  readonly tokenFile: string;

  constructor(
    private readonly users: UsersStore, private readonly sessions: SessionStore, private readonly limiter: LoginLimiter,
    execRoot: string, private readonly logger: Logger,
  ) { this.tokenFile = path.join(execRoot, 'web-bootstrap-token'); }

  /** Writes a fresh bootstrap token when there is no user yet. */
  async init(): Promise<void> {
    if (!this.users.isEmpty) { await fs.rm(this.tokenFile, { force: true }); return; }
    this.bootstrapToken = randomBytes(24).toString('base64url');
    await fs.writeFile(this.tokenFile, `${this.bootstrapToken}\n`, { mode: 0o600 });
    await fs.chmod(this.tokenFile, 0o600);
    this.logger.info('dashboard not bootstrapped: create the admin with the one-time token', { token: this.bootstrapToken, file: this.tokenFile });
  }

  sessionOf(req: IncomingMessage): Session | undefined {
    return this.sessions.get(parseCookies(req.headers.cookie).get(COOKIE));
  }

  /** Handles /auth/<name>; the guards (Host, Origin, JSON) already ran. */
  async handle(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const secure = (req.headers.origin ?? '').startsWith('https:');
    const method = req.method ?? 'GET';
    const want = (m: string) => { if (method !== m) throw new HttpError(405, `use ${m}`); };
    switch (name) {
      case 'state': want('GET'); return sendJson(res, 200, { bootstrapped: !this.users.isEmpty });
      case 'me': {
        want('GET');
        const s = this.sessionOf(req);
        return s ? sendJson(res, 200, s.user) : sendJson(res, 401, { message: 'not logged in' });
      }
      case 'logout': {
        want('POST');
        const id = parseCookies(req.headers.cookie).get(COOKIE);
        if (id) this.sessions.revoke(id);
        return sendJson(res, 204, undefined, { 'Set-Cookie': clearCookie });
      }
      case 'login': {
        want('POST');
        const b = await readJson(req);
        const username = typeof b.username === 'string' ? b.username : '';
        const password = typeof b.password === 'string' ? b.password : '';
        const ip = clientIp(req);
        if (this.limiter.blocked(ip, username)) return sendJson(res, 429, { message: 'too many failed logins; try again in a minute' }, { 'Retry-After': '60' });
        const user = USERNAME.test(username) && password.length <= 1024 ? await this.users.verify(username, password) : null;
        if (!user) {
          this.limiter.fail(ip, username);
          this.logger.warn('dashboard login failed', { ip, username: username.slice(0, 64) });
          return sendJson(res, 401, { message: BAD_LOGIN });
        }
        this.limiter.succeed(ip, username);
        const s = this.sessions.create(user);
        this.logger.info('dashboard login', { username, ip });
        return sendJson(res, 204, undefined, { 'Set-Cookie': sessionCookie(s.id, secure) });
      }
      case 'bootstrap': {
        want('POST');
        const b = await readJson(req);
        const token = typeof b.token === 'string' ? Buffer.from(b.token) : Buffer.alloc(0);
        const expected = this.bootstrapToken ? Buffer.from(this.bootstrapToken) : null;
        if (!expected || !this.users.isEmpty || token.length !== expected.length || !timingSafeEqual(token, expected)) {
          return sendJson(res, 403, { message: 'invalid or used bootstrap token' });
        }
        const username = b.username, password = b.password;
        if (typeof username !== 'string' || !USERNAME.test(username)) throw new HttpError(400, 'username: letters, digits, _ . - (max 64)');
        if (typeof password !== 'string' || password.length < 8 || password.length > 1024) throw new HttpError(400, 'password: at least 8 characters');
        // Single use even if two requests race: the token is gone before the (slow) hash runs.
        const used = this.bootstrapToken;
        this.bootstrapToken = null;
        const role: Role = 'admin';
        try { await this.users.create({ username, password, role }); } catch (err) { this.bootstrapToken = used; throw err; }
        await fs.rm(this.tokenFile, { force: true });
        const s = this.sessions.create({ username, role });
        this.logger.info('dashboard bootstrapped', { username });
        return sendJson(res, 204, undefined, { 'Set-Cookie': sessionCookie(s.id, secure) });
      }
      default: throw new HttpError(404, 'not found');
    }
  }
}
