/**
 * @module web/users-store
 * Dashboard users in `<data-root>/web/users.json` (mode 0600, written atomically). Passwords are
 * scrypt hashes (N=2^15, r=8, p=1, 32-byte salt, 64-byte key). `verify` spends the same scrypt
 * work for unknown users so timing does not reveal which usernames exist.
 */
import { promises as fs } from 'node:fs';
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import path from 'node:path';
import { errors } from '@berth/runtime';
import type { Role, WebUser } from '@berth/api';

const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } satisfies ScryptOptions;
const KEYLEN = 64;

interface StoredUser extends WebUser { salt: string; hash: string; n: number; createdAt: string }

const scrypt = (pw: string, salt: Buffer, n: number) => new Promise<Buffer>((res, rej) =>
  scryptCb(pw, salt, KEYLEN, { ...PARAMS, N: n }, (err, key) => (err ? rej(err) : res(key))));

export class UsersStore {
  private users: StoredUser[] = [];
  private readonly file: string;
  /** Serialises writes so two creates cannot lose one another. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly dummySalt = randomBytes(32);

  constructor(dataRoot: string) { this.file = path.join(dataRoot, 'web', 'users.json'); }

  async load(): Promise<void> {
    try {
      const j = JSON.parse(await fs.readFile(this.file, 'utf8')) as { users?: StoredUser[] };
      this.users = Array.isArray(j.users) ? j.users : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.users = [];
    }
  }

  get isEmpty(): boolean { return this.users.length === 0; }

  async list(): Promise<WebUser[]> { return this.users.map(({ username, role }) => ({ username, role })); }

  get(username: string): WebUser | undefined {
    const u = this.users.find((x) => x.username === username);
    return u ? { username: u.username, role: u.role } : undefined;
  }

  async create(u: { username: string; password: string; role: Role }): Promise<void> {
    const salt = randomBytes(32);
    const hash = await scrypt(u.password, salt, PARAMS.N);
    await this.mutate(() => {
      if (this.users.some((x) => x.username === u.username)) throw errors.alreadyExists(`user "${u.username}" already exists`);
      this.users.push({ username: u.username, role: u.role, salt: salt.toString('base64'), hash: hash.toString('base64'), n: PARAMS.N, createdAt: new Date().toISOString() });
    });
  }

  async remove(username: string): Promise<void> {
    await this.mutate(() => {
      const i = this.users.findIndex((x) => x.username === username);
      if (i < 0) throw errors.notFoundMessage(`no such user: ${username}`);
      const u = this.users[i]!;
      if (u.role === 'admin' && this.users.filter((x) => x.role === 'admin').length === 1) {
        throw errors.conflict('cannot remove the last admin');
      }
      this.users.splice(i, 1);
    });
  }

  /** The user when the password matches, else null (same work either way). */
  async verify(username: string, password: string): Promise<WebUser | null> {
    const u = this.users.find((x) => x.username === username);
    const salt = u ? Buffer.from(u.salt, 'base64') : this.dummySalt;
    const key = await scrypt(password, salt, u?.n ?? PARAMS.N);
    const want = u ? Buffer.from(u.hash, 'base64') : Buffer.alloc(KEYLEN);
    const ok = want.length === key.length && timingSafeEqual(want, key);
    return u && ok ? { username: u.username, role: u.role } : null;
  }

  private mutate(fn: () => void): Promise<void> {
    const run = this.chain.then(async () => {
      const before = this.users.slice();
      fn();
      try { await this.save(); } catch (err) { this.users = before; throw err; }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async save(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify({ users: this.users }, null, 2)}\n`, { mode: 0o600 });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, this.file);
  }
}
