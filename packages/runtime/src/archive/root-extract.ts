/**
 * @module archive/root-extract
 * `docker cp SRC CONTAINER:DEST`: extracts a tar stream into a directory of a container's root with
 * moby's Untar semantics (go-archive `createTarFile`), but without a chroot: every entry's parent is
 * resolved through root-fd.ts (component-wise O_NOFOLLOW opens, symlinks evaluated inside the root),
 * and the entry itself is created relative to that parent's fd with calls that never follow the last
 * component. So a symlink in the container (even one swapped in while we run, CVE-2018-15664) can
 * only redirect a write to another place INSIDE the container, exactly as a chroot would.
 *
 * Rules (moby's, unless noted):
 *  - member names: leading '/' stripped; `..` components, NUL and over-long names are refused (moby
 *    allows `a/../b` that stays inside; we refuse all `..`, as tar-check does for layers);
 *  - missing parent directories are created 0755 root:root;
 *  - an existing entry is replaced, except dir-over-dir (metadata applied); with noOverwriteDirNonDir
 *    a dir/non-dir replacement fails with moby's message;
 *  - symlinks whose relative target climbs above the extraction dir and hardlinks whose target
 *    leaves it are refused (moby's breakoutError); hardlink targets must exist;
 *  - char/block devices are refused (stricter than moby: a copy has no business creating them);
 *  - ownership from the headers, or `chown` for every entry (copyUIDGID); modes & 07777; mtimes, with
 *    directory mtimes applied last;
 *  - the input is decompressed in-process (gzip only): no decompressor is ever spawned (T17).
 */
import { constants as C, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';
import { EngineError, errors, isEngineError } from '../errors/engine-error.js';
import { run } from '../util/exec-file.js';
import { openUncompressed, normalizeEntryPath } from './tar-check.js';
import { DIR_FLAGS, at, lstatOrNull, mapFsError, type RootFs } from './root-fd.js';

export interface ExtractOptions {
  noOverwriteDirNonDir?: boolean;
  /** Owner for every entry (copyUIDGID); otherwise the header's uid/gid. */
  chown?: { uid: number; gid: number };
  signal?: AbortSignal;
}

const NEW_FILE = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
const MAX_OPEN_DIRS = 512;
const MAX_RETRIES = 64;
const WRITE_BATCH = 1024 * 1024;

/** Extracts `tar` into the container directory `dest` (a container path that must be a directory). */
export async function extractIntoRoot(root: RootFs, dest: string, tar: Readable, opts: ExtractOptions = {}): Promise<{ entries: number }> {
  const x = new Extraction(root, dest, opts);
  const { stream } = await openUncompressed(tar, opts.signal);
  const ex = tarExtract();
  stream.on('error', (err) => ex.destroy(err));
  stream.pipe(ex);
  try {
    for await (const entry of ex) {
      opts.signal?.throwIfAborted();
      await x.entry(entry.header, entry);
      entry.resume();
    }
    await x.finish();
    return { entries: x.count };
  } catch (err) {
    stream.destroy();
    throw mapExtractError(err);
  } finally {
    await x.closeAll();
  }
}

class Extraction {
  count = 0;
  /** Open directory handles by archive-relative path ('' = dest), with pending dir mtimes. */
  private readonly dirs = new Map<string, { h: FileHandle; mtime?: Date }>();

  constructor(private readonly root: RootFs, private readonly dest: string, private readonly opts: ExtractOptions) {}

  async entry(h: Header, body: AsyncIterable<unknown>): Promise<void> {
    this.count++;
    const rel = normalizeEntryPath(h.name);
    if (rel === '') return; // "./": the destination itself, which exists (moby skips it)
    const slash = rel.lastIndexOf('/');
    const parentRel = slash < 0 ? '' : rel.slice(0, slash);
    const base = rel.slice(slash + 1);
    const type = h.type ?? 'file';
    if (type === 'character-device' || type === 'block-device') throw badEntry(h.name, `${type} entries cannot be copied into a container`);
    if (!['file', 'contiguous-file', 'directory', 'symlink', 'link', 'fifo'].includes(type)) throw badEntry(h.name, `unsupported entry type ${type}`);
    if (type === 'symlink') this.checkSymlink(h, parentRel);
    const uid = this.opts.chown?.uid ?? h.uid ?? 0;
    const gid = this.opts.chown?.gid ?? h.gid ?? 0;
    const mode = (h.mode ?? 0o644) & 0o7777;
    const mtime = h.mtime ?? new Date();

    const dir = await this.parent(parentRel);
    const isDir = type === 'directory';
    for (let attempt = 0; ; attempt++) {
      if (attempt > MAX_RETRIES) throw errors.conflict(`${this.show(rel)} keeps changing while it is being copied`);
      const existing = await lstatOrNull(at(dir, base));
      if (existing) {
        if (this.opts.noOverwriteDirNonDir && existing.isDirectory() && !isDir) {
          throw errors.invalid(`cannot overwrite directory "${this.show(rel)}" with non-directory "${this.dest}"`);
        }
        if (this.opts.noOverwriteDirNonDir && !existing.isDirectory() && isDir) {
          throw errors.invalid(`cannot overwrite non-directory "${this.show(rel)}" with directory "${this.dest}"`);
        }
        if (!(existing.isDirectory() && isDir)) {
          await this.forget(rel);
          await removeAt(dir, base);
        }
      }
      const ok = await this.create(dir, base, rel, type, h, body, { uid, gid, mode, mtime });
      if (ok) return;
    }
  }

  /** Creates one entry; false when the name was taken again meanwhile (retry). */
  private async create(dir: FileHandle, base: string, rel: string, type: string, h: Header, body: AsyncIterable<unknown>, m: { uid: number; gid: number; mode: number; mtime: Date }): Promise<boolean> {
    try {
      switch (type) {
        case 'directory': {
          await fs.mkdir(at(dir, base), { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'EEXIST') throw err; });
          const dh = await fs.open(at(dir, base), DIR_FLAGS);
          await dh.chown(m.uid, m.gid);
          await dh.chmod(m.mode);
          await this.remember(rel, dh, m.mtime);
          return true;
        }
        case 'file': case 'contiguous-file': {
          const fh = await fs.open(at(dir, base), NEW_FILE, 0o600);
          try {
            // Batch tar-stream's small chunks into large writev calls (one threadpool trip per MiB).
            let batch: Buffer[] = [];
            let bytes = 0;
            for await (const chunk of body) {
              batch.push(chunk as Buffer);
              bytes += (chunk as Buffer).length;
              if (bytes >= WRITE_BATCH) { await fh.writev(batch); batch = []; bytes = 0; }
            }
            if (batch.length) await fh.writev(batch);
            await fh.chown(m.uid, m.gid);
            await fh.chmod(m.mode);
            await fh.utimes(m.mtime, m.mtime);
          } finally {
            await fh.close();
          }
          return true;
        }
        case 'symlink':
          await fs.symlink(h.linkname ?? '', at(dir, base));
          await fs.lchown(at(dir, base), m.uid, m.gid);
          await fs.lutimes(at(dir, base), m.mtime, m.mtime);
          return true;
        case 'link': {
          const target = await this.linkTarget(h);
          try {
            await fs.link(at(target.parent!, target.name), at(dir, base));
          } finally {
            await target.close();
          }
          return true;
        }
        case 'fifo': {
          // Node has no mkfifo(3); mknod(1) creates the node without following the final component.
          await run('mknod', ['-m', '600', `/proc/${process.pid}/fd/${dir.fd}/${base}`, 'p']);
          const fh = await fs.open(at(dir, base), C.O_RDONLY | C.O_NONBLOCK | C.O_NOFOLLOW);
          try {
            if (!(await fh.stat()).isFIFO()) return false;
            await fh.chown(m.uid, m.gid);
            await fh.chmod(m.mode);
            await fh.utimes(m.mtime, m.mtime);
          } finally {
            await fh.close();
          }
          return true;
        }
      }
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ELOOP' || code === 'ENOTDIR') return false;
      if ((err as { exitCode?: number }).exitCode !== undefined && /File exists/.test(String((err as { stderr?: string }).stderr))) return false;
      throw err;
    }
  }

  private checkSymlink(h: Header, parentRel: string): void {
    const target = h.linkname ?? '';
    if (target === '' || target.includes('\0')) throw badEntry(h.name, 'invalid symlink target');
    if (target.startsWith('/')) return;
    // moby: filepath.Join(dir(path), linkname) must stay under the extraction dir.
    let depth = parentRel === '' ? 0 : parentRel.split('/').length;
    for (const c of target.split('/')) {
      if (c === '' || c === '.') continue;
      depth += c === '..' ? -1 : 1;
      if (depth < 0) throw badEntry(h.name, `invalid symlink "${h.name}" -> "${target}"`);
    }
  }

  private async linkTarget(h: Header) {
    const link = h.linkname ?? '';
    if (link.startsWith('/') || link.split('/').includes('..')) throw badEntry(h.name, `invalid hardlink "${h.name}" -> "${link}"`);
    const t = normalizeEntryPath(link, 'hardlink target', h.name);
    if (t === '') throw badEntry(h.name, 'hardlink to the extraction directory');
    const r = await this.root.resolve(`${this.dest}/${t}`, { followFinal: false });
    if (!r.stat || r.stat.isDirectory() || !r.parent) {
      await r.close();
      throw badEntry(h.name, `hardlink target "${link}" does not exist or is a directory`);
    }
    return r;
  }

  /** The directory `rel` (archive-relative), created 0755 root:root when missing. */
  private async parent(rel: string): Promise<FileHandle> {
    const cached = this.dirs.get(rel);
    if (cached) return cached.h;
    const r = await this.root.resolve(rel ? `${this.dest}/${rel}` : this.dest, {
      followFinal: true, mkdirs: rel ? { mode: 0o755, uid: 0, gid: 0 } : undefined,
    });
    if (r.virtual) { await r.close(); throw errors.invalid(`cannot copy into a kernel filesystem at ${r.path}`); }
    if (!r.dir) { await r.close(); throw errors.notFoundMessage(`${this.show(rel)}: no such directory`); }
    await r.parent?.close();
    await this.remember(rel, r.dir);
    return r.dir;
  }

  private async remember(rel: string, h: FileHandle, mtime?: Date): Promise<void> {
    const old = this.dirs.get(rel);
    if (old && old.h !== h) {
      await old.h.close().catch(() => undefined);
      this.dirs.delete(rel);
    }
    this.dirs.set(rel, { h, mtime: mtime ?? old?.mtime });
    if (this.dirs.size > MAX_OPEN_DIRS) {
      const [k, v] = this.dirs.entries().next().value as [string, { h: FileHandle; mtime?: Date }];
      this.dirs.delete(k);
      if (v.mtime) await v.h.utimes(v.mtime, v.mtime).catch(() => undefined);
      await v.h.close().catch(() => undefined);
    }
  }

  /** Drops cached handles at or below `rel` (it is being replaced). */
  private async forget(rel: string): Promise<void> {
    for (const [k, v] of this.dirs) {
      if (k === rel || k.startsWith(`${rel}/`)) {
        this.dirs.delete(k);
        await v.h.close().catch(() => undefined);
      }
    }
  }

  async finish(): Promise<void> {
    for (const v of this.dirs.values()) if (v.mtime) await v.h.utimes(v.mtime, v.mtime).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    for (const v of this.dirs.values()) await v.h.close().catch(() => undefined);
    this.dirs.clear();
  }

  private show(rel: string): string {
    return path.posix.join(this.dest, rel);
  }
}

/** rm -rf of `name` inside `dir`, through fds only: a swapped-in symlink is unlinked, never followed. */
export async function removeAt(dir: FileHandle, name: string): Promise<void> {
  try {
    await fs.unlink(at(dir, name));
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'EISDIR' && code !== 'EPERM') throw err;
  }
  let h: FileHandle;
  try {
    h = await fs.open(at(dir, name), DIR_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') return removeAt(dir, name); // changed: retry as non-dir
    throw err;
  }
  try {
    for (const n of await fs.readdir(at(h))) await removeAt(h, n);
  } finally {
    await h.close();
  }
  await fs.rmdir(at(dir, name)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
}

function badEntry(name: string, reason: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', `invalid archive entry ${JSON.stringify(name.slice(0, 200))}: ${reason}`);
}

function mapExtractError(err: unknown): unknown {
  if (isEngineError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return err;
  if (/tar|header|Unexpected end|Z_/i.test(e?.message ?? '') && !e.code?.startsWith('E')) return errors.invalid(`invalid archive: ${e.message}`, err);
  return mapFsError(err, 'copying into the container');
}
