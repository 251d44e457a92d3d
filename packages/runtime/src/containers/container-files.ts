/**
 * @module containers/container-files
 * The dashboard's file views of a container (Berth extensions): a directory listing, the image's
 * and the container's versions of one small file (for a text diff), and the would-be commit layer.
 * Paths are resolved with archive/root-fd.ts (race-free, symlinks evaluated inside the root: the
 * same confinement `docker cp` uses; rootfs-paths.ts's resolveInRoot is path-string based and racy
 * against a running container, so it is not used for reads the browser asks for).
 * Which root: the container's view is /proc/PID/root of a running container (checked to be the
 * bundle's rootfs, so a recycled PID cannot redirect us), else a read-only overlay of its snapshot
 * mounted on a temp dir; the image's view is a read-only mount of the snapshot's lower dirs.
 */
import { constants as C, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { errors } from '../errors/engine-error.js';
import { RootFs, at, mapFsError } from '../archive/root-fd.js';
import { ACTIVE, type ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-types.js';
import { isRuntimeMountpoint, scanUpper } from './upper-scan.js';
import { containerAbsPath, mountTempRoot, putContainerArchive, readOnlyLayerMounts, statContainerPath } from './container-archive.js';
import { pack as tarPack } from 'tar-stream';

export type FileEntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface FileEntry { name: string; type: FileEntryType; size: number; mode: number; mtime: string; linkTarget?: string }

export interface DirListing { path: string; total: number; offset: number; entries: FileEntry[]; truncated: boolean }

export interface FileVersions {
  path: string;
  /** null = the file does not exist (or is not a regular file) on that side. */
  before: string | null;
  after: string | null;
  binary: boolean;
  /** Over the limit on either side: contents omitted. */
  tooLarge: boolean;
  beforeSize: number | null;
  afterSize: number | null;
}

export interface CommitPreview {
  /** Bytes of regular files the new layer would hold. */
  size: number;
  count: number;
  files: { path: string; kind: 'A' | 'C' | 'D'; type: FileEntryType; size: number }[];
  truncated: boolean;
}

const MAX_LIST = 10_000;
const typeOf = (st: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): FileEntryType =>
  st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';

function mountLayers(ctx: ContainerContext, layers: string[]): Promise<{ root: RootFs; release: () => Promise<void> }> {
  return mountTempRoot(ctx, readOnlyLayerMounts(layers), 'fv-');
}

/** The container's own view (see the module doc). */
export async function openContainerRoot(ctx: ContainerContext, rec: ContainerRecord): Promise<{ root: RootFs; release: () => Promise<void> }> {
  if (ACTIVE.includes(rec.state.status) && rec.state.pid > 0) {
    const root = await RootFs.open(`/proc/${rec.state.pid}/root`).catch(() => null);
    if (root) {
      const [a, b] = await Promise.all([root.root.stat(), fs.stat(ctx.rootfsDir(rec.id)).catch(() => null)]);
      if (b && a.dev === b.dev && a.ino === b.ino) return { root, release: async () => {} };
      await root.close();
    }
    throw errors.conflict(`container ${rec.id.slice(0, 12)} changed state, try again`);
  }
  const { snapshotter } = ctx.deps;
  return mountLayers(ctx, [await snapshotter.upperDir(rec.snapshotKey), ...(await snapshotter.lowerDirs(rec.snapshotKey))]);
}

/** The image's view under the container (its snapshot's lower dirs); null for an image without layers. */
async function openImageRoot(ctx: ContainerContext, rec: ContainerRecord): Promise<{ root: RootFs; release: () => Promise<void> } | null> {
  const lowers = await ctx.deps.snapshotter.lowerDirs(rec.snapshotKey);
  return lowers.length ? mountLayers(ctx, lowers) : null;
}

async function withRoot<T>(open: Promise<{ root: RootFs; release: () => Promise<void> } | null>, fn: (root: RootFs | null) => Promise<T>): Promise<T> {
  const r = await open;
  try {
    return await fn(r?.root ?? null);
  } finally {
    await r?.root.close();
    await r?.release();
  }
}

/** `ls -la` of a directory (symlinks to dirs are followed, as a file browser does). */
export async function listContainerDir(ctx: ContainerContext, ref: string, p: string, opts: { offset?: number; limit?: number } = {}): Promise<DirListing> {
  const abs = containerAbsPath(p).replace(/\/\.?$/, '') || '/';
  const rec = ctx.resolve(ref);
  return withRoot(openContainerRoot(ctx, rec), async (root) => {
    const r = await root!.resolve(abs, { followFinal: true });
    try {
      if (!r.stat) throw errors.notFoundMessage(`Could not find the file ${abs} in container ${ref}`);
      if (!r.dir) throw errors.invalid(`not a directory: ${abs}`);
      if (r.virtual) return { path: r.path, total: 0, offset: 0, entries: [], truncated: false };
      const names = (await fs.readdir(at(r.dir))).sort();
      const off = opts.offset ?? 0;
      const page = names.slice(off, off + Math.min(opts.limit ?? 1000, MAX_LIST));
      const entries: FileEntry[] = [];
      for (const name of page) {
        const st = await fs.lstat(at(r.dir, name)).catch(() => null);
        if (!st) continue;
        const e: FileEntry = { name, type: typeOf(st), size: st.size, mode: st.mode & 0o7777, mtime: st.mtime.toISOString() };
        if (st.isSymbolicLink()) e.linkTarget = await fs.readlink(at(r.dir, name)).catch(() => '');
        entries.push(e);
      }
      entries.sort((a, b) => (a.type === 'dir') !== (b.type === 'dir') ? (a.type === 'dir' ? -1 : 1) : 0);
      return { path: r.path, total: names.length, offset: off, entries, truncated: off + page.length < names.length };
    } finally {
      await r.close();
    }
  }).catch((err: unknown) => { throw mapFsError(err, `listing ${abs}`); });
}

/** Reads a regular file through `root` up to `max` bytes; size is the real size. */
async function readSmall(root: RootFs | null, abs: string, max: number): Promise<{ data: Buffer | null; size: number } | null> {
  if (!root) return null;
  const r = await root.resolve(abs, { followFinal: true });
  try {
    if (!r.stat?.isFile() || !r.parent) return null;
    const h = await fs.open(at(r.parent, r.name), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
    try {
      const st = await h.stat();
      if (!st.isFile()) return null;
      if (st.size > max) return { data: null, size: st.size };
      const buf = Buffer.alloc(st.size);
      const { bytesRead } = await h.read(buf, 0, st.size, 0);
      return { data: buf.subarray(0, bytesRead), size: st.size };
    } finally {
      await h.close();
    }
  } finally {
    await r.close();
  }
}

/** NUL bytes or invalid UTF-8: not something a text diff can show. */
export function isBinary(b: Buffer): boolean {
  if (b.includes(0)) return true;
  return !Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

export async function containerFileVersions(ctx: ContainerContext, ref: string, p: string, max = 256 * 1024): Promise<FileVersions> {
  const abs = containerAbsPath(p).replace(/\/\.?$/, '') || '/';
  const rec = ctx.resolve(ref);
  try {
    const before = await withRoot(openImageRoot(ctx, rec), (root) => readSmall(root, abs, max));
    const after = await withRoot(openContainerRoot(ctx, rec), (root) => readSmall(root, abs, max));
    const tooLarge = (before !== null && before.data === null) || (after !== null && after.data === null);
    const binary = !tooLarge && [before, after].some((v) => v?.data && isBinary(v.data));
    const text = (v: typeof before) => (v === null ? null : tooLarge || binary ? '' : v.data!.toString('utf8'));
    return { path: abs, before: text(before), after: text(after), binary, tooLarge, beforeSize: before?.size ?? null, afterSize: after?.size ?? null };
  } catch (err) {
    throw mapFsError(err, `reading ${abs}`);
  }
}

/** What `docker commit` would pack: the writable layer's entries with their sizes. */
export async function containerCommitPreview(ctx: ContainerContext, ref: string, limit = 5000): Promise<CommitPreview> {
  const rec = ctx.resolve(ref);
  const { snapshotter } = ctx.deps;
  const upper = await snapshotter.upperDir(rec.snapshotKey);
  const lowers = await snapshotter.lowerDirs(rec.snapshotKey);
  const entries = (await scanUpper(upper)).filter((e) => !isRuntimeMountpoint(e));
  const files: CommitPreview['files'] = [];
  let size = 0;
  for (const e of entries) {
    if (e.stat.isFile()) size += e.stat.size;
    if (files.length >= limit) continue;
    let kind: 'A' | 'C' | 'D' = 'A';
    if (e.whiteout) kind = 'D';
    else if (await existsBelow(lowers, e.path)) kind = 'C';
    files.push({ path: e.path, kind, type: e.whiteout ? 'other' : typeOf(e.stat), size: e.stat.isFile() ? e.stat.size : 0 });
  }
  return { size, count: entries.length, files, truncated: entries.length > files.length };
}

async function existsBelow(lowers: readonly string[], p: string): Promise<boolean> {
  for (const l of lowers) {
    try {
      const st = await fs.lstat(path.join(l, p));
      return !(st.isCharacterDevice() && st.rdev === 0);
    } catch { /* next layer */ }
  }
  return false;
}

/**
 * A regular file of the container's view as a stream (download). The root stays open (and a
 * stopped container's temp mount stays mounted) until the stream ends or is destroyed.
 */
export async function openContainerFile(ctx: ContainerContext, ref: string, p: string): Promise<{ name: string; size: number; stream: Readable }> {
  const abs = containerAbsPath(p).replace(/\/\.?$/, '') || '/';
  const rec = ctx.resolve(ref);
  const { root, release } = await openContainerRoot(ctx, rec);
  const done = async () => { await root.close(); await release(); };
  try {
    const r = await root.resolve(abs, { followFinal: true });
    try {
      if (!r.stat) throw errors.notFoundMessage(`Could not find the file ${abs} in container ${ref}`);
      if (!r.stat.isFile() || !r.parent) throw errors.invalid(`not a regular file: ${abs}`);
      const h = await fs.open(at(r.parent, r.name), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
      const st = await h.stat();
      if (!st.isFile()) { await h.close(); throw errors.invalid(`not a regular file: ${abs}`); }
      const stream = h.createReadStream({ autoClose: true });
      stream.once('close', () => { void done(); });
      return { name: path.posix.basename(abs), size: st.size, stream };
    } finally {
      await r.close();
    }
  } catch (err) {
    await done();
    throw mapFsError(err, `reading ${abs}`);
  }
}

/**
 * Writes one regular file (upload, or saving an edited text file) through `docker cp`'s confined
 * extraction: a one-entry tar put into the parent directory, which must exist. An existing file
 * keeps its permission bits unless `mode` is given; the new file is owned by root (as `docker cp`
 * without -a).
 */
export async function writeContainerFile(ctx: ContainerContext, ref: string, p: string, data: Buffer, mode?: number): Promise<void> {
  const abs = containerAbsPath(p).replace(/\/\.?$/, '');
  const name = path.posix.basename(abs);
  if (!abs || abs === '/' || !name || name === '..') throw errors.invalid(`invalid file path: ${p}`);
  let perm = mode;
  if (perm === undefined) {
    const old = await statContainerPath(ctx, ref, abs).catch(() => undefined);
    perm = old && (old.mode & 2 ** 31) === 0 ? old.mode & 0o7777 : 0o644;
  }
  const tar = tarPack();
  tar.entry({ name, size: data.length, mode: perm & 0o7777, type: 'file', mtime: new Date(), uid: 0, gid: 0 }, data);
  tar.finalize();
  await putContainerArchive(ctx, ref, path.posix.dirname(abs), tar as unknown as Readable, { noOverwriteDirNonDir: true });
}

/** Plain functions for `Object.assign(containers, …)` in the composition root. */
export function containerFileMethods(ctx: ContainerContext) {
  return {
    listDir: (ref: string, p: string, opts?: { offset?: number; limit?: number }) => listContainerDir(ctx, ref, p, opts),
    fileVersions: (ref: string, p: string, max?: number) => containerFileVersions(ctx, ref, p, max),
    commitPreview: (ref: string) => containerCommitPreview(ctx, ref),
    openFile: (ref: string, p: string) => openContainerFile(ctx, ref, p),
    writeFile: (ref: string, p: string, data: Buffer, mode?: number) => writeContainerFile(ctx, ref, p, data, mode),
  };
}
