/**
 * @module snapshots/overlay-snapshotter
 * Overlayfs Snapshotter (containerd `snapshots/overlay` shape, plugin id `overlayfs`).
 * Layout:
 *   <root>/metadata.json          { nextId, snapshots: { <key|name>: {id, kind, parent, created} } }
 *   <root>/snapshots/<n>/fs       the snapshot's own directory (upper dir while active, layer once committed)
 *   <root>/snapshots/<n>/work     overlay work dir; exists only while the snapshot is active
 * Keys and names are arbitrary strings (chain ids, container ids); they never become path components:
 * each snapshot gets a numeric directory. Lifecycle: prepare(key, parent) → active → commit(name, key)
 * → committed (same directory, renamed in metadata only, work dir dropped) → remove (no children).
 *
 * Crash safety: directories are created before the metadata record that names them and removed after
 * it is dropped, so a crash leaves at worst an unreferenced numeric dir, which is deleted on the next
 * load. Every metadata mutation runs under one in-process mutex and is written with writeJsonAtomic.
 *
 * Layer limit: the kernel takes overlay options as one page. Absolute lowerdir paths cost ~30+ bytes a
 * layer plus the root, so when the option string would exceed MAX_OPTIONS_BYTES prepare() fails with
 * FAILED_PRECONDITION "too many layers" (we do NOT switch to cwd-relative lowerdirs: the Mount
 * contract has no cwd field). With a root like /var/lib/berth/overlayfs that is ~80 layers.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Mount, SnapshotInfo, Snapshotter } from './snapshotter.js';
import { errors } from '../errors/engine-error.js';
import { readJson, writeJsonAtomic } from '../util/atomic-file.js';
import { Mutex } from '../util/mutex.js';

/** Kernel limit is PAGE_SIZE (4096) for all options; keep headroom for what the mounter may add. */
export const MAX_OPTIONS_BYTES = 3500;

interface SnapRecord { id: number; kind: 'active' | 'committed'; parent: string | null; created: string }
interface Metadata { version: 1; nextId: number; snapshots: { [keyOrName: string]: SnapRecord } }

export class OverlaySnapshotter implements Snapshotter {
  readonly id = 'overlayfs';
  private readonly lock = new Mutex();
  private meta: Metadata | undefined;
  private readonly metaFile: string;
  private readonly snapDir: string;

  constructor(readonly root: string) {
    // The root becomes part of `lowerdir=a:b,upperdir=…`; a ':' or ',' in it would change the option.
    if (!path.isAbsolute(root) || /[,:\n]/.test(root)) throw errors.invalid(`overlay snapshotter root must be an absolute path without ',' or ':': ${root}`);
    this.metaFile = path.join(root, 'metadata.json');
    this.snapDir = path.join(root, 'snapshots');
  }

  async stat(keyOrName: string): Promise<SnapshotInfo> {
    const m = await this.read();
    return toInfo(keyOrName, get(m, keyOrName));
  }

  async exists(keyOrName: string): Promise<boolean> {
    const m = await this.read();
    return Object.hasOwn(m.snapshots, keyOrName);
  }

  async prepare(key: string, parent: string | null): Promise<Mount[]> {
    validateKey(key);
    return this.mutate(async (m) => {
      if (Object.hasOwn(m.snapshots, key)) throw errors.alreadyExists(`snapshot ${key} already exists`);
      if (parent !== null) {
        const p = get(m, parent);
        if (p.kind !== 'committed') throw errors.precondition(`parent snapshot ${parent} is not committed`);
      }
      const id = m.nextId;
      const rec: SnapRecord = { id, kind: 'active', parent, created: new Date().toISOString() };
      const mounts = this.mountsFor(m, rec); // fails before anything is created if the chain is too long
      const dir = this.dirOf(id);
      await fs.rm(dir, { recursive: true, force: true }); // a leftover from a crash between mkdir and metadata write
      await fs.mkdir(path.join(dir, 'fs'), { recursive: true, mode: 0o755 });
      await fs.mkdir(path.join(dir, 'work'), { mode: 0o700 });
      m.nextId = id + 1;
      m.snapshots[key] = rec;
      return mounts;
    });
  }

  async mounts(key: string): Promise<Mount[]> {
    const m = await this.read();
    const rec = get(m, key);
    if (rec.kind !== 'active') throw errors.precondition(`snapshot ${key} is committed; only active snapshots can be mounted`);
    return this.mountsFor(m, rec);
  }

  async upperDir(keyOrName: string): Promise<string> {
    const m = await this.read();
    return path.join(this.dirOf(get(m, keyOrName).id), 'fs');
  }

  async lowerDirs(keyOrName: string): Promise<string[]> {
    const m = await this.read();
    return this.chain(m, get(m, keyOrName).parent);
  }

  async commit(name: string, key: string): Promise<void> {
    validateKey(name);
    let workDir = '';
    await this.mutate(async (m) => {
      const rec = get(m, key);
      if (rec.kind !== 'active') throw errors.precondition(`snapshot ${key} is not active`);
      if (Object.hasOwn(m.snapshots, name)) throw errors.alreadyExists(`snapshot ${name} already exists`);
      delete m.snapshots[key];
      m.snapshots[name] = { ...rec, kind: 'committed' };
      workDir = path.join(this.dirOf(rec.id), 'work');
    });
    // After the metadata write: a crash here only leaves an unused work dir behind.
    await fs.rm(workDir, { recursive: true, force: true });
  }

  async remove(keyOrName: string): Promise<void> {
    let dir = '';
    await this.mutate(async (m) => {
      const rec = get(m, keyOrName);
      const child = Object.entries(m.snapshots).find(([, r]) => r.parent === keyOrName);
      if (child) throw errors.precondition(`cannot remove snapshot ${keyOrName}: snapshot ${child[0]} depends on it`);
      delete m.snapshots[keyOrName];
      dir = this.dirOf(rec.id);
    });
    await removeTree(dir);
  }

  async usage(keyOrName: string): Promise<{ bytes: number; inodes: number }> {
    const dir = await this.upperDir(keyOrName);
    return diskUsage(dir);
  }

  async *walk(): AsyncIterable<SnapshotInfo> {
    const m = await this.read();
    for (const [k, rec] of Object.entries(m.snapshots)) yield toInfo(k, rec);
  }

  private dirOf(id: number): string {
    return path.join(this.snapDir, String(id));
  }

  /** fs dirs of `parent` and its ancestors, topmost first. */
  private chain(m: Metadata, parent: string | null): string[] {
    const dirs: string[] = [];
    const seen = new Set<string>();
    for (let p = parent; p !== null;) {
      if (seen.has(p)) throw errors.internal(`snapshot metadata has a parent cycle at ${p}`, undefined);
      seen.add(p);
      const rec = get(m, p);
      dirs.push(path.join(this.dirOf(rec.id), 'fs'));
      p = rec.parent;
    }
    return dirs;
  }

  private mountsFor(m: Metadata, rec: SnapRecord): Mount[] {
    const own = this.dirOf(rec.id);
    if (rec.parent === null) return [{ type: 'bind', source: path.join(own, 'fs'), options: ['rbind', 'rw'] }];
    const options = [
      `lowerdir=${this.chain(m, rec.parent).join(':')}`,
      `upperdir=${path.join(own, 'fs')}`,
      `workdir=${path.join(own, 'work')}`,
      'redirect_dir=off', 'index=off', 'metacopy=off',
    ];
    const bytes = Buffer.byteLength(options.join(','));
    if (bytes > MAX_OPTIONS_BYTES) {
      throw errors.precondition(`too many layers: overlay mount options would be ${bytes} bytes (limit ${MAX_OPTIONS_BYTES})`);
    }
    return [{ type: 'overlay', source: 'overlay', options }];
  }

  private async read(): Promise<Metadata> {
    if (this.meta) return this.meta;
    return this.lock.run(() => this.load());
  }

  /** Runs `fn` on a copy of the metadata and persists it only if `fn` succeeds. */
  private mutate<T>(fn: (m: Metadata) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const current = await this.load();
      const draft = structuredClone(current);
      const result = await fn(draft);
      await writeJsonAtomic(this.metaFile, draft);
      this.meta = draft;
      return result;
    });
  }

  /** Call only under the lock. */
  private async load(): Promise<Metadata> {
    if (this.meta) return this.meta;
    await fs.mkdir(this.snapDir, { recursive: true, mode: 0o700 });
    const m = (await readJson<Metadata>(this.metaFile)) ?? { version: 1, nextId: 1, snapshots: {} };
    const used = new Set(Object.values(m.snapshots).map((r) => String(r.id)));
    for (const name of await fs.readdir(this.snapDir)) {
      if (/^\d+$/.test(name) && !used.has(name)) await removeTree(path.join(this.snapDir, name));
    }
    this.meta = m;
    return m;
  }
}

function get(m: Metadata, keyOrName: string): SnapRecord {
  if (!Object.hasOwn(m.snapshots, keyOrName)) throw errors.notFoundMessage(`snapshot ${keyOrName} does not exist`);
  return m.snapshots[keyOrName]!;
}

function toInfo(key: string, rec: SnapRecord): SnapshotInfo {
  return { key, kind: rec.kind, parent: rec.parent, created: rec.created };
}

function validateKey(k: string): void {
  if (typeof k !== 'string' || k.length === 0 || k.length > 1024) throw errors.invalid(`invalid snapshot key ${JSON.stringify(k)}`);
}

async function removeTree(dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch (err) {
    // EBUSY here almost always means the snapshot is still mounted somewhere.
    throw errors.precondition(`cannot remove snapshot directory ${dir}: ${(err as Error).message}`, err);
  }
}

/** `du`-like: allocated bytes (st_blocks * 512) and inodes, each hardlinked inode counted once. */
async function diskUsage(dir: string): Promise<{ bytes: number; inodes: number }> {
  const seen = new Set<string>();
  let bytes = 0;
  const stack = [dir];
  while (stack.length) {
    const p = stack.pop()!;
    const st = await fs.lstat(p, { bigint: true });
    const ino = `${st.dev}:${st.ino}`;
    if (!seen.has(ino)) { seen.add(ino); bytes += Number(st.blocks) * 512; }
    if (st.isDirectory()) for (const name of await fs.readdir(p)) stack.push(path.join(p, name));
  }
  return { bytes, inodes: seen.size };
}
