/**
 * @module archive/root-fd
 * Race-free path resolution inside an untrusted directory tree (a container's root filesystem), for
 * `docker cp` in both directions. Vocabulary: a RootFs is the container's `/` opened once as a
 * directory fd; a container path is resolved component by component, each step an open of ONE name
 * relative to the previous directory's fd (`/proc/self/fd/N/name` with O_NOFOLLOW|O_DIRECTORY: the
 * kernel follows the magic fd link, never a symlink the container controls). Symlinks are read with
 * readlink and evaluated by us with chroot semantics: an absolute target restarts at the root, `..`
 * pops our own stack of fds and stops at the root. The kernel's `..` is never used.
 *
 * Why this defeats the CVE-2018-15664 symlink-exchange race: a path component swapped for a symlink
 * after our lstat fails the O_NOFOLLOW open (ELOOP/ENOTDIR), and we re-read it as a link and evaluate
 * it inside the root. Every directory we hold is an fd, so a later rename of it only moves where we
 * write INSIDE the container (rename cannot cross into the host: the container sees no host mount of
 * the same filesystem). Every operation on a final component goes through the parent's fd and uses a
 * call that does not follow the last component (lstat, readlink, mkdir, symlink, link, unlink,
 * O_CREAT|O_EXCL, O_NOFOLLOW opens + f* calls). Callers must keep to that rule.
 *
 * Kernel filesystems mounted in a running container (proc, sysfs, cgroup, devpts, mqueue…) are
 * treated as empty and unwritable: Docker's cp never sees them (it works on the rootfs mount), and
 * their magic links and control files are not something a copy should touch.
 */
import { constants as C, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { EngineError, errors, isEngineError } from '../errors/engine-error.js';

export const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;
const MAX_LINKS = 40;
/** Bound on re-reads of a component that keeps changing type under us (a swapping container). */
const MAX_RETRIES = 64;

const VIRTUAL_FS = new Set([
  0x9fa0 /* proc */, 0x62656572 /* sysfs */, 0x27e0eb /* cgroup */, 0x63677270 /* cgroup2 */, 0x1cd1 /* devpts */,
  0x19800202 /* mqueue */, 0x73636673 /* securityfs */, 0x64626720 /* debugfs */, 0x74726163 /* tracefs */,
  0xcafe4a11 /* bpf */, 0x42494e4d /* binfmt_misc */, 0x6e736673 /* nsfs */, 0x65735543 /* fusectl */, 0x958458f6 /* hugetlbfs */,
]);

/** The path that reaches `name` inside the directory open as `dir` without resolving anything else. */
export function at(dir: FileHandle | number, name?: string): string {
  const fd = typeof dir === 'number' ? dir : dir.fd;
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

export async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** True when the open directory lies on a kernel pseudo filesystem. */
export async function isVirtualDir(h: FileHandle): Promise<boolean> {
  const s = await fs.statfs(at(h));
  return VIRTUAL_FS.has(Number(s.type));
}

export interface MkdirOptions { mode: number; uid: number; gid: number }

export interface Resolved {
  /** The resolved container path (absolute, symlinks evaluated in the root). */
  path: string;
  /** Directory holding the final component; null when the path is the root itself. */
  parent: FileHandle | null;
  /** Final component name ('' for the root). */
  name: string;
  /** lstat of the final component (fstat when it was opened as a directory); null = does not exist. */
  stat: Stats | null;
  /** The final component opened as a directory (only when it was followed and is a directory). */
  dir: FileHandle | null;
  /** The final directory lies on a kernel filesystem (treat as empty, refuse writes). */
  virtual: boolean;
  close(): Promise<void>;
}

interface Frame { h: FileHandle; name: string; owned: boolean; dev: number; virtual: boolean }

export class RootFs {
  private constructor(readonly root: FileHandle, private readonly rootDev: number) {}

  /** Opens a TRUSTED host path (a mount we made, or /proc/PID/root) as the root. */
  static async open(hostDir: string): Promise<RootFs> {
    const h = await fs.open(hostDir, C.O_RDONLY | C.O_DIRECTORY);
    try {
      return new RootFs(h, (await h.stat()).dev);
    } catch (err) {
      await h.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.root.close().catch(() => undefined);
  }

  /**
   * Resolves `p` (a container path; leading '/' optional). Intermediate symlinks are always
   * followed inside the root; the final one only with `followFinal`. A final directory that was
   * followed comes back opened (`dir`). With `mkdirs`, missing components are created as directories
   * (the whole path then denotes a directory, and `dir` is set).
   */
  async resolve(p: string, opts: { followFinal: boolean; mkdirs?: MkdirOptions }): Promise<Resolved> {
    const stack: Frame[] = [{ h: this.root, name: '', owned: false, dev: this.rootDev, virtual: false }];
    const parts = splitPath(p);
    let links = 0;
    let retries = 0;
    const pop = async () => {
      const f = stack.pop()!;
      if (f.owned) await f.h.close().catch(() => undefined);
    };
    const closeAll = async () => { while (stack.length > 1) await pop(); };
    const pathOf = (extra: string[]) => '/' + [...stack.slice(1).map((f) => f.name), ...extra].join('/');
    const retry = () => {
      if (++retries > MAX_RETRIES) throw errors.conflict(`path ${p} keeps changing while it is being resolved`);
    };
    try {
      while (parts.length) {
        const part = parts.shift()!;
        if (part === '..') {
          if (stack.length > 1) await pop();
          continue;
        }
        const top = stack.at(-1)!;
        const last = parts.length === 0;
        if (top.virtual) {
          if (opts.mkdirs) throw errors.invalid(`cannot write into a kernel filesystem at ${pathOf([])}`);
          return await this.result(stack, part, null, null, false, parts);
        }
        const st = await lstatOrNull(at(top.h, part));
        if (!st) {
          if (opts.mkdirs) {
            await fs.mkdir(at(top.h, part), { mode: opts.mkdirs.mode }).catch((err: NodeJS.ErrnoException) => {
              if (err.code !== 'EEXIST') throw err;
            });
            parts.unshift(part);
            await this.fixNewDir(top.h, part, opts.mkdirs);
            continue;
          }
          return await this.result(stack, part, null, null, false, parts);
        }
        if (st.isSymbolicLink() && (!last || opts.followFinal || opts.mkdirs)) {
          if (++links > MAX_LINKS) throw errors.invalid(`too many levels of symbolic links: ${p}`);
          let target: string;
          try {
            target = await fs.readlink(at(top.h, part));
          } catch {
            retry();
            parts.unshift(part);
            continue;
          }
          if (target.startsWith('/')) await closeAll();
          parts.unshift(...splitPath(target));
          continue;
        }
        if (last && !opts.followFinal && !opts.mkdirs) return await this.result(stack, part, st, null, false, []);
        if (!st.isDirectory()) {
          if (last && !opts.mkdirs) return await this.result(stack, part, st, null, false, []);
          if (opts.mkdirs) throw errors.invalid(`cannot create directory ${pathOf([part])}: a non-directory is in the way`);
          // Like lstat(2) on "file/x": ENOTDIR, which Docker reports as "not found".
          return await this.result(stack, part, null, null, false, parts);
        }
        let h: FileHandle;
        try {
          h = await fs.open(at(top.h, part), DIR_FLAGS);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ELOOP' || code === 'ENOTDIR' || code === 'ENOENT') {
            retry(); // swapped under us: look again, as a link this time
            parts.unshift(part);
            continue;
          }
          throw err;
        }
        const hst = await h.stat();
        const virtual = top.virtual || (hst.dev !== top.dev && (await isVirtualDir(h)));
        stack.push({ h, name: part, owned: true, dev: hst.dev, virtual });
      }
      if (stack.length === 1) {
        const h = await fs.open(at(this.root), C.O_RDONLY | C.O_DIRECTORY);
        return mk('/', null, '', await h.stat(), h, false);
      }
      const f = stack.pop()!;
      return await this.result(stack, f.name, await f.h.stat(), f.h, f.virtual, []);
    } catch (err) {
      await closeAll();
      throw err;
    }
  }

  /** Reads a small regular file of the container (e.g. /etc/passwd); undefined if it is missing. */
  async readFile(p: string, max = 4 * 1024 * 1024): Promise<string | undefined> {
    const r = await this.resolve(p, { followFinal: true });
    try {
      if (!r.stat?.isFile() || !r.parent) return undefined;
      const h = await fs.open(at(r.parent, r.name), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
      try {
        if (!(await h.stat()).isFile()) return undefined;
        const buf = Buffer.alloc(max);
        const { bytesRead } = await h.read(buf, 0, max, 0);
        return buf.subarray(0, bytesRead).toString('utf8');
      } finally {
        await h.close();
      }
    } finally {
      await r.close();
    }
  }

  /** Builds the result; takes the frames' ownership: all but the final parent are closed. */
  private async result(stack: Frame[], name: string, stat: Stats | null, dir: FileHandle | null, virtual: boolean, rest: string[]): Promise<Resolved> {
    const names = stack.slice(1).map((f) => f.name);
    const top = stack.at(-1)!;
    for (const f of stack.slice(0, -1)) if (f.owned) await f.h.close().catch(() => undefined);
    const parent = top.owned ? top.h : await fs.open(at(this.root), C.O_RDONLY | C.O_DIRECTORY);
    stack.length = 0;
    return mk('/' + [...names, name, ...rest].join('/'), parent, name, stat, dir, virtual);
  }

  private async fixNewDir(dir: FileHandle, name: string, o: MkdirOptions): Promise<void> {
    let h: FileHandle;
    try {
      h = await fs.open(at(dir, name), DIR_FLAGS);
    } catch {
      return; // swapped already: the loop re-reads the component
    }
    try {
      await h.chown(o.uid, o.gid);
      await h.chmod(o.mode);
    } finally {
      await h.close();
    }
  }
}

function mk(p: string, parent: FileHandle | null, name: string, stat: Stats | null, dir: FileHandle | null, virtual: boolean): Resolved {
  return {
    path: p.replace(/\/+$/, '') || '/', parent, name, stat, dir, virtual,
    async close() {
      await parent?.close().catch(() => undefined);
      await dir?.close().catch(() => undefined);
    },
  };
}

export function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** Maps a filesystem error from an operation inside the container to an EngineError. */
export function mapFsError(err: unknown, what: string): unknown {
  if (isEngineError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT': return errors.notFoundMessage(`${what}: no such file or directory`);
    case 'EROFS': return errors.invalid(`${what}: read-only file system`, err);
    case 'ENOSPC': case 'EDQUOT': return new EngineError('RESOURCE_EXHAUSTED', `${what}: no space left on device`, { cause: err });
    case 'EACCES': case 'EPERM': return new EngineError('PERMISSION_DENIED', `${what}: permission denied`, { cause: err });
    case 'ENOTDIR': case 'EISDIR': case 'EEXIST': case 'ENOTEMPTY': case 'ELOOP': case 'EXDEV': case 'ENAMETOOLONG': case 'EINVAL':
      return errors.invalid(`${what}: ${e.message.replace(/\/proc\/self\/fd\/\d+\/?/g, '')}`, err);
    default:
      if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return err;
      return errors.internal(`${what}: ${e?.message ?? String(err)}`, err);
  }
}
