/**
 * @module web/registry-store
 * Per-user registry logins for the dashboard's push, in `<data-root>/web/registries.json` (0600,
 * written atomically). The password is sealed with AES-256-GCM under a 32-byte key kept in
 * `<data-root>/web/registry.key` (0600, created on first use), with a fresh 12-byte IV per secret
 * and the owner, id, server and username as additional data: a sealed secret copied onto another
 * user's (or another server's) entry fails to open. Why not in the users file: the key must live
 * apart from the data it protects, and the users file is rewritten on every user change.
 * Why in the web host, not packages/api: the router stays free of crypto and file I/O (web-port.ts).
 */
import { promises as fs } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { errors } from '@berth/runtime';
import type { RegistryInfo, RegistryPort } from '@berth/api';

interface Sealed { iv: string; tag: string; ct: string }
interface StoredRegistry extends RegistryInfo { owner: string; secret: Sealed; createdAt: string }

const MAX_PER_USER = 32;

export class RegistryStore implements RegistryPort {
  private entries: StoredRegistry[] = [];
  private key: Buffer | undefined;
  private loaded = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly dir: string;

  constructor(dataRoot: string) { this.dir = path.join(dataRoot, 'web'); }

  private get file() { return path.join(this.dir, 'registries.json'); }

  private async ensure(): Promise<void> {
    if (this.loaded) return;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(this.dir, 'registry.key');
    try {
      this.key = await fs.readFile(keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const k = randomBytes(32);
      // wx: two engines on one data root must not overwrite each other's key.
      await fs.writeFile(keyFile, k, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
      this.key = await fs.readFile(keyFile);
    }
    if (this.key.length !== 32) throw errors.internal('registry key file is corrupt (want 32 bytes)', undefined);
    await fs.chmod(keyFile, 0o600);
    try {
      const j = JSON.parse(await fs.readFile(this.file, 'utf8')) as { registries?: StoredRegistry[] };
      this.entries = Array.isArray(j.registries) ? j.registries : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.loaded = true;
  }

  private aad(e: Pick<StoredRegistry, 'owner' | 'id' | 'server' | 'username'>): Buffer {
    return Buffer.from(JSON.stringify([e.owner, e.id, e.server, e.username]));
  }

  private seal(e: Pick<StoredRegistry, 'owner' | 'id' | 'server' | 'username'>, secret: string): Sealed {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key!, iv);
    c.setAAD(this.aad(e));
    const ct = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), ct: ct.toString('base64') };
  }

  private open(e: StoredRegistry): string {
    try {
      const d = createDecipheriv('aes-256-gcm', this.key!, Buffer.from(e.secret.iv, 'base64'));
      d.setAAD(this.aad(e));
      d.setAuthTag(Buffer.from(e.secret.tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(e.secret.ct, 'base64')), d.final()]).toString('utf8');
    } catch (err) {
      throw errors.dataLoss('saved registry password cannot be decrypted (key changed?); save it again', err);
    }
  }

  async list(owner: string): Promise<RegistryInfo[]> {
    await this.ensure();
    return this.entries.filter((e) => e.owner === owner).map(({ id, server, username }) => ({ id, server, username }));
  }

  /** Same server and username as an existing entry of this user: that entry's password is replaced. */
  async save(owner: string, c: { server: string; username: string; password: string }): Promise<RegistryInfo> {
    const server = c.server.replace(/^https?:\/\//, '').replace(/\/+$/, '');
    return this.mutate(() => {
      const old = this.entries.find((e) => e.owner === owner && e.server === server && e.username === c.username);
      if (!old && this.entries.filter((e) => e.owner === owner).length >= MAX_PER_USER) throw errors.invalid(`at most ${MAX_PER_USER} saved registries per user`);
      const base = { owner, id: old?.id ?? randomUUID(), server, username: c.username };
      const entry: StoredRegistry = { ...base, secret: this.seal(base, c.password), createdAt: new Date().toISOString() };
      this.entries = [...this.entries.filter((e) => e !== old), entry];
      return { id: entry.id, server, username: entry.username };
    });
  }

  async remove(owner: string, id: string): Promise<void> {
    await this.mutate(() => {
      const n = this.entries.length;
      this.entries = this.entries.filter((e) => !(e.owner === owner && e.id === id));
      if (this.entries.length === n) throw errors.notFoundMessage(`no such registry: ${id}`);
    });
  }

  async credentials(owner: string, id: string): Promise<{ server: string; username: string; password: string }> {
    await this.ensure();
    const e = this.entries.find((x) => x.owner === owner && x.id === id);
    if (!e) throw errors.notFoundMessage(`no such registry: ${id}`);
    return { server: e.server, username: e.username, password: this.open(e) };
  }

  /** A removed user's logins go with it. */
  async removeOwner(owner: string): Promise<void> {
    await this.mutate(() => { this.entries = this.entries.filter((e) => e.owner !== owner); });
  }

  private mutate<T>(fn: () => T): Promise<T> {
    const run = this.chain.then(async () => {
      await this.ensure();
      const before = this.entries;
      const out = fn();
      try { await this.write(); } catch (err) { this.entries = before; throw err; }
      return out;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, `${JSON.stringify({ registries: this.entries }, null, 2)}\n`, { mode: 0o600 });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, this.file);
  }
}
