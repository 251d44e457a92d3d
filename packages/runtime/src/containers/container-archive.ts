/**
 * @module containers/container-archive
 * `docker cp` on the service side: statPath (HEAD), getArchive (GET) and putArchive (PUT) of
 * /containers/{id}/archive, with moby's path rules (daemon/archive.go, container/archive.go):
 *  - the path is absolute in the container; a trailing `/` or `/.` is kept and means "follow the
 *    final component", otherwise the parent is resolved and the final component is lstat'ed;
 *  - a symlink's `linkTarget` is its full resolution inside the root; PUT always follows the
 *    final component (you can extract into a symlink to a directory);
 *  - missing paths → 404 "Could not find the file X in container Y".
 * Stricter than moby: an empty path, a NUL byte, a path over 4096 bytes or one whose `..` climbs
 * above `/` is a 400 (moby silently cleans `..` at the root).
 *
 * Which root: a running container is reached through /proc/PID/root (its mount namespace, so
 * volumes are there, as in moby, which mounts them for the copy); the fd is checked to be the same
 * directory as the bundle's rootfs mount, so a recycled PID cannot redirect us. A stopped container's
 * snapshot is mounted on a temp dir under the exec root for the operation (writable under the
 * container lock for PUT, read-only like export for HEAD/GET) and unmounted after. Volumes of a stopped
 * container are not mounted (missing).
 * All path work goes through archive/root-fd.ts (race-free, see there).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { errors, isEngineError } from '../errors/engine-error.js';
import type { Mount } from '../snapshots/snapshotter.js';
import { DIR_FLAGS, RootFs, at, isVirtualDir, mapFsError, type Resolved } from '../archive/root-fd.js';
import { packResolved } from '../archive/root-pack.js';
import { extractIntoRoot } from '../archive/root-extract.js';
import { ACTIVE, type ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-types.js';
import type { ArchiveResult, PathStat, PutArchiveOptions } from './container-archive-types.js';
import type { Stats } from 'node:fs';

const PATH_MAX = 4096;

/** moby's abs path: joined to '/', cleaned, with a trailing `/` or `/.` of the request preserved. */
export function containerAbsPath(p: string): string {
  if (p === '') throw errors.invalid('bad parameter: path cannot be empty');
  if (p.includes('\0')) throw errors.invalid('invalid path: contains a NUL byte');
  if (Buffer.byteLength(p) > PATH_MAX) throw errors.invalid(`invalid path: longer than ${PATH_MAX} bytes`);
  let depth = 0;
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    depth += c === '..' ? -1 : 1;
    if (depth < 0) throw errors.invalid(`invalid path ${JSON.stringify(p)}: it climbs above the container's root`);
  }
  let abs = path.posix.normalize(`/${p}`);
  if (abs.length > 1 && abs.endsWith('/')) abs = abs.slice(0, -1);
  if ((p.endsWith('/.') || p === '.') && !abs.endsWith('/.')) abs = abs === '/' ? '/.' : `${abs}/.`;
  else if (p.endsWith('/') && !abs.endsWith('/')) abs = `${abs}/`;
  return abs;
}

/** Go's filepath.Base. */
function goBase(abs: string): string {
  const t = abs.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

const followsFinal = (abs: string) => abs.endsWith('/') || abs.endsWith('/.');

/** Go os.FileMode of an lstat result. */
export function goFileMode(st: Pick<Stats, 'mode'>): number {
  let m = st.mode & 0o777;
  const fmt = st.mode & 0o170000;
  if (fmt === 0o040000) m |= 2 ** 31;
  else if (fmt === 0o120000) m |= 2 ** 27;
  else if (fmt === 0o010000) m |= 2 ** 25;
  else if (fmt === 0o140000) m |= 2 ** 24;
  else if (fmt === 0o020000) m |= 2 ** 26 + 2 ** 21;
  else if (fmt === 0o060000) m |= 2 ** 26;
  if (st.mode & 0o4000) m |= 2 ** 23;
  if (st.mode & 0o2000) m |= 2 ** 22;
  if (st.mode & 0o1000) m |= 2 ** 20;
  return m >>> 0;
}

function notFound(p: string, ref: string) {
  return errors.notFoundMessage(`Could not find the file ${p} in container ${ref}`);
}

export async function statContainerPath(ctx: ContainerContext, ref: string, p: string): Promise<PathStat> {
  const abs = containerAbsPath(p);
  const rec = ctx.resolve(ref);
  return withRoot(ctx, rec, false, async (root) => {
    const r = await root.resolve(abs, { followFinal: followsFinal(abs) });
    try {
      if (!r.stat) throw notFound(p, ref);
      return await pathStat(root, abs, r.stat);
    } finally {
      await r.close();
    }
  }).catch((err: unknown) => { throw mapNotFound(err, p, ref); });
}

export async function getContainerArchive(ctx: ContainerContext, ref: string, p: string, opts: { signal?: AbortSignal } = {}): Promise<ArchiveResult> {
  const abs = containerAbsPath(p);
  const rec = ctx.resolve(ref);
  const { root, release } = await openRoot(ctx, rec, false);
  let r: Resolved | undefined;
  try {
    r = await root.resolve(abs, { followFinal: followsFinal(abs) });
    if (!r.stat) throw notFound(p, ref);
    const stat = await pathStat(root, abs, r.stat);
    if (r.stat.isDirectory() && !r.dir && r.parent) {
      // Not followed (no trailing slash) but a directory: open it without following, or fall back
      // to archiving whatever it became (a link) if it changed under us.
      r.dir = await fs.open(at(r.parent, r.name), DIR_FLAGS).catch(() => null);
      if (r.dir) { r.stat = await r.dir.stat(); r.virtual = await isVirtualDir(r.dir); }
      else r.stat = await fs.lstat(at(r.parent, r.name));
    }
    const base = goBase(abs);
    const owned = r;
    r = undefined;
    const tar: Readable = packResolved(owned, base === '/' ? '' : base, {
      signal: opts.signal,
      onDone: async () => { await root.close(); await release(); },
    });
    return { stat, tar };
  } catch (err) {
    await r?.close();
    await root.close();
    await release();
    throw mapNotFound(err, p, ref);
  }
}

export async function putContainerArchive(ctx: ContainerContext, ref: string, p: string, tar: Readable, opts: PutArchiveOptions = {}): Promise<void> {
  const abs = containerAbsPath(p);
  const rec = ctx.resolve(ref);
  if (rec.hostConfig.readonlyRootfs) throw errors.invalid('container rootfs is marked read-only');
  await withRoot(ctx, rec, true, async (root) => {
    const r = await root.resolve(abs, { followFinal: true });
    let dest: string;
    try {
      if (!r.stat) throw notFound(p, ref);
      if (!r.stat.isDirectory()) throw errors.invalid('extraction point is not a directory');
      if (r.virtual) throw errors.invalid(`cannot copy into a kernel filesystem at ${r.path}`);
      dest = r.path;
    } finally {
      await r.close();
    }
    const chown = opts.copyUIDGID ? await containerOwner(root, rec.config.user) : undefined;
    await extractIntoRoot(root, dest, tar, { noOverwriteDirNonDir: opts.noOverwriteDirNonDir, chown, signal: opts.signal });
  }).catch((err: unknown) => {
    tar.resume();
    throw mapNotFound(err, p, ref);
  });
}

async function pathStat(root: RootFs, abs: string, st: Stats): Promise<PathStat> {
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    const full = await root.resolve(abs, { followFinal: true });
    linkTarget = full.path;
    await full.close();
  }
  return { name: goBase(abs), size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget };
}

function mapNotFound(err: unknown, p: string, ref: string): unknown {
  if (isEngineError(err)) {
    if (err.code === 'NOT_FOUND' && !err.message.startsWith('No such container') && !err.message.startsWith('Could not find')) return notFound(p, ref);
    return err;
  }
  const mapped = mapFsError(err, `copying ${p}`);
  if (isEngineError(mapped) && mapped.code === 'NOT_FOUND') return notFound(p, ref);
  return mapped;
}

/** `-a`: the container user's uid/gid, read from the container's own /etc files (moby tarCopyOptions). */
async function containerOwner(root: RootFs, user: string): Promise<{ uid: number; gid: number } | undefined> {
  if (!user) return undefined;
  const [u = '', g] = user.split(':', 2);
  const passwd = ((await root.readFile('/etc/passwd')) ?? '').split('\n').map((l) => l.split(':'));
  const groups = ((await root.readFile('/etc/group')) ?? '').split('\n').map((l) => l.split(':'));
  const pw = /^\d+$/.test(u) ? passwd.find((f) => f[2] === u) : passwd.find((f) => f[0] === u);
  if (!pw && !/^\d+$/.test(u)) throw errors.invalid(`unable to find user ${u}: no matching entries in passwd file`);
  const uid = /^\d+$/.test(u) ? Number(u) : Number(pw![2]);
  let gid = pw ? Number(pw[3]) : 0;
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const gr = groups.find((f) => f[0] === g);
      if (!gr) throw errors.invalid(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(gr[2]);
    }
  }
  return { uid, gid };
}

/** Runs `fn` with the container's root open; see the module doc for which root. */
async function withRoot<T>(ctx: ContainerContext, rec: ContainerRecord, writable: boolean, fn: (root: RootFs) => Promise<T>): Promise<T> {
  if (isLive(rec)) {
    const { root, release } = await openRoot(ctx, rec, writable);
    try {
      return await fn(root);
    } finally {
      await root.close();
      await release();
    }
  }
  if (!writable) {
    const { root, release } = await openRoot(ctx, rec, false);
    try {
      return await fn(root);
    } finally {
      await root.close();
      await release();
    }
  }
  // A writable mount of the snapshot must not race a start (the upper dir cannot be mounted twice).
  return ctx.locks.run(rec.id, async () => {
    const cur = ctx.current(rec.id, rec.id);
    const { root, release } = await openRoot(ctx, cur, true);
    try {
      return await fn(root);
    } finally {
      await root.close();
      await release();
    }
  });
}

function isLive(rec: ContainerRecord): boolean {
  return ACTIVE.includes(rec.state.status) && rec.state.pid > 0;
}

async function openRoot(ctx: ContainerContext, rec: ContainerRecord, writable: boolean): Promise<{ root: RootFs; release: () => Promise<void> }> {
  if (isLive(rec)) {
    const root = await RootFs.open(`/proc/${rec.state.pid}/root`).catch(() => null);
    if (root) {
      const [a, b] = await Promise.all([root.root.stat(), fs.stat(ctx.rootfsDir(rec.id)).catch(() => null)]);
      if (b && a.dev === b.dev && a.ino === b.ino) return { root, release: async () => {} };
      await root.close();
    }
    throw errors.conflict(`container ${rec.id.slice(0, 12)} changed state during the copy, try again`);
  }
  const { snapshotter } = ctx.deps;
  if (writable) return mountTempRoot(ctx, await snapshotter.mounts(rec.snapshotKey), 'cp-');
  const layers = [await snapshotter.upperDir(rec.snapshotKey), ...(await snapshotter.lowerDirs(rec.snapshotKey))];
  return mountTempRoot(ctx, readOnlyLayerMounts(layers), 'cp-');
}

/** A read-only view of layer dirs, top first: one overlay, or a plain bind for a single layer. */
export function readOnlyLayerMounts(layers: readonly string[]): Mount[] {
  return layers.length > 1
    ? [{ type: 'overlay', source: 'overlay', options: [`lowerdir=${layers.join(':')}`] }]
    : [{ type: 'bind', source: layers[0]!, options: ['bind', 'ro'] }];
}

/**
 * Mounts `mounts` on a fresh dir under the exec root and opens it as a RootFs (fd-based, so later
 * lookups cannot be redirected outside it); `release` unmounts and removes the dir. Nothing stays
 * mounted when this throws.
 */
export async function mountTempRoot(ctx: ContainerContext, mounts: Mount[], prefix: string): Promise<{ root: RootFs; release: () => Promise<void> }> {
  const { mounter, logger } = ctx.deps;
  const tmp = await fs.mkdtemp(path.join(ctx.deps.execRoot, prefix));
  try {
    await mounter.mount(mounts, tmp);
  } catch (err) {
    await fs.rmdir(tmp).catch(() => undefined);
    throw err;
  }
  const release = async () => {
    await mounter.unmount(tmp).catch((err: unknown) => logger.warn('temporary rootfs: unmount failed', { tmp, err }));
    await fs.rmdir(tmp).catch(() => undefined);
  };
  try {
    return { root: await RootFs.open(tmp), release };
  } catch (err) {
    await release();
    throw err;
  }
}
