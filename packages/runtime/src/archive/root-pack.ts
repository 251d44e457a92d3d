/**
 * @module archive/root-pack
 * `docker cp CONTAINER:SRC -`: a tar stream of one resolved path inside a container's root, built in
 * Node from directory fds (root-fd.ts), so nothing read can come from outside the root even while the
 * container renames or swaps paths under us. Entries are named like moby's TarResourceRebase: the
 * requested path's base name (`out/`, `out/sub/x.txt`), `.` for a trailing `/.`, and bare names when
 * the container's root itself is copied.
 *
 * Each regular file is opened O_NOFOLLOW|O_NONBLOCK and fstat'ed: the fd, not the earlier lstat,
 * decides what is read (a file swapped for a FIFO or device is skipped, never opened blocking or
 * read). A file that shrinks while read is padded with zeros to the size in its header, one that
 * grows is cut; the archive stays well-formed. Hardlinked files (nlink > 1) become `link` entries to
 * the first name seen, as GNU tar and moby do. Sockets are skipped; kernel filesystems (proc, sysfs…)
 * appear as empty directories.
 */
import { closeSync, constants as C, fstatSync, openSync, promises as fs, readSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { DIR_FLAGS, at, isVirtualDir, lstatOrNull, type Resolved } from './root-fd.js';

const FILE_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;
const CHUNK = 256 * 1024;

/**
 * Streams `r` (taking ownership of its handles) as a tar whose top entry is named `rebase` ('' for the
 * root's bare children). `onDone` runs once everything is closed (e.g. unmount a temporary rootfs).
 */
export function packResolved(r: Resolved, rebase: string, opts: { signal?: AbortSignal; onDone?: () => Promise<void> } = {}): Readable {
  const pack = tarPack();
  const out = new PassThrough();
  let stopped = false;
  let halt!: () => void;
  const halted = new Promise<void>((resolve) => { halt = resolve; });
  const stop = () => { stopped = true; halt(); pack.destroy(); };
  out.on('close', stop);
  opts.signal?.addEventListener('abort', stop, { once: true });
  pack.on('data', (chunk: unknown) => { if (!out.write(chunk as Buffer)) pack.pause(); });
  out.on('drain', () => pack.resume());
  pack.on('end', () => out.end());
  pack.on('error', () => undefined);

  const w = new Walker(pack, () => stopped, halted);
  (async () => {
    try {
      if (r.dir) await w.dir(r.dir, r.stat!, rebase, r.virtual);
      else if (r.parent && r.stat) await w.entry(r.parent, r.name, rebase, r.stat);
      pack.finalize();
    } finally {
      await r.close();
      opts.signal?.removeEventListener('abort', stop);
      await opts.onDone?.().catch(() => undefined);
    }
  })().catch((err: unknown) => {
    if (!stopped) out.destroy(err as Error);
    pack.destroy();
  });
  return out;
}

class Walker {
  private readonly links = new Map<string, string>();

  /** Rejects once the consumer went away; one shared promise with a handler, so no unhandled rejections. */
  private readonly haltErr: Promise<never>;

  constructor(private readonly pack: Pack, private readonly stopped: () => boolean, readonly halted: Promise<void>) {
    this.haltErr = halted.then(() => { throw new Error('archive stream closed'); });
    this.haltErr.catch(() => undefined);
  }

  async dir(h: FileHandle, st: Stats, name: string, virtual: boolean): Promise<void> {
    if (this.stopped()) throw new Error('archive stream closed');
    if (name !== '') await this.add({ ...meta(st), name: `${name}/`, type: 'directory' });
    if (virtual) return;
    // d_type saves an lstat per entry; the fd opened next (O_NOFOLLOW) is what decides.
    const dirents = (await fs.readdir(at(h), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Small regular files are read with synchronous calls: for many small files the threadpool
    // round trips (open, fstat, read, close: four each) cost ~5x the syscalls themselves. The
    // event loop is yielded between entries (each add awaits the pack). Larger files, and any
    // entry that is not a regular file by its fd, take the async path.
    for (const d of dirents) {
      const n = d.name;
      const child = name === '' ? n : `${name}/${n}`;
      const p = d.isFile() ? prepareSmall(h.fd, n) : null;
      if (p) {
        await this.preparedFile(p, child);
        continue;
      }
      if (d.isFile() && (await this.regular(h, n, child))) continue;
      if (d.isDirectory() && (await this.subdir(h, n, child, st.dev))) continue;
      const cst = await lstatOrNull(at(h, n)); // other types, DT_UNKNOWN, or changed under us
      if (!cst) continue;
      if (cst.isDirectory()) await this.subdir(h, n, child, st.dev);
      else await this.entry(h, n, child, cst);
    }
  }

  private async preparedFile(p: Prepared, name: string): Promise<void> {
    if (this.stopped()) throw new Error('archive stream closed');
    const fst = p.st;
    if (fst.nlink > 1) {
      const key = `${fst.dev}:${fst.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) return this.add({ ...meta(fst), name, type: 'link', linkname: first });
      this.links.set(key, name);
    }
    return this.add({ ...meta(fst), name, type: 'file', size: p.data.length }, p.data);
  }

  /** Archives a directory entry through a fresh O_NOFOLLOW fd; false if it is not a directory (any more). */
  private async subdir(h: FileHandle, n: string, child: string, parentDev: number): Promise<boolean> {
    let ch: FileHandle;
    try {
      ch = await fs.open(at(h, n), DIR_FLAGS);
    } catch {
      return false;
    }
    try {
      const fst = await ch.stat();
      const virt = fst.dev !== parentDev && (await isVirtualDir(ch));
      await this.dir(ch, fst, child, virt);
    } finally {
      await ch.close();
    }
    return true;
  }

  /** Archives a regular file through an O_NOFOLLOW|O_NONBLOCK fd; false if it is not one (any more). */
  private async regular(dir: FileHandle, n: string, name: string): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await fs.open(at(dir, n), FILE_FLAGS);
    } catch {
      return false;
    }
    try {
      const fst = await fh.stat();
      if (!fst.isFile()) return false;
      await this.openedFile(fh, fst, name);
      return true;
    } finally {
      await fh.close();
    }
  }

  private async openedFile(fh: FileHandle, fst: Stats, name: string): Promise<void> {
    if (fst.nlink > 1) {
      const key = `${fst.dev}:${fst.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) return this.add({ ...meta(fst), name, type: 'link', linkname: first });
      this.links.set(key, name);
    }
    await this.file(fh, { ...meta(fst), name, type: 'file', size: fst.size });
  }

  async entry(dir: FileHandle, n: string, name: string, st: Stats): Promise<void> {
    if (this.stopped()) throw new Error('archive stream closed');
    if (st.isSymbolicLink()) {
      const target = await fs.readlink(at(dir, n)).catch(() => null);
      if (target !== null) await this.add({ ...meta(st), name, type: 'symlink', linkname: target });
      return;
    }
    if (st.isFIFO()) return this.add({ ...meta(st), name, type: 'fifo' });
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      return this.add({
        ...meta(st), name, type: st.isCharacterDevice() ? 'character-device' : 'block-device',
        devmajor: major(st.rdev), devminor: minor(st.rdev),
      });
    }
    if (st.isFile()) await this.regular(dir, n, name); // sockets are skipped
  }

  private add(h: Partial<Header> & { name: string }, body?: Buffer): Promise<void> {
    const added = new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body) this.pack.entry(h, body, cb);
      else this.pack.entry(h, cb);
    });
    return Promise.race([added, this.haltErr]);
  }

  private async file(fh: FileHandle, h: Partial<Header> & { name: string; size: number }): Promise<void> {
    let sink!: ReturnType<Pack['entry']>;
    const done = new Promise<void>((resolve, reject) => {
      sink = this.pack.entry(h, (err) => (err ? reject(err) : resolve()));
    });
    done.catch(() => undefined);
    let left = h.size;
    let pos = 0;
    while (left > 0) {
      if (this.stopped()) { sink.destroy(); throw new Error('archive stream closed'); }
      const want = Math.min(CHUNK, left);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      // bytesRead 0: the file shrank; the zero-filled rest keeps the header's size true.
      const chunk = bytesRead === 0 ? buf : buf.subarray(0, bytesRead);
      pos += chunk.length;
      left -= chunk.length;
      if (!sink.write(chunk) && !this.stopped() && !sink.destroyed) {
        // The stop promise matters: a sink destroyed before we listen never emits again.
        await Promise.race([this.halted, new Promise<void>((resolve) => { sink.once('drain', () => resolve()); sink.once('close', () => resolve()); })]);
      }
    }
    sink.end(undefined);
    await Promise.race([done, this.haltErr]);
  }
}

const SMALL_FILE = 64 * 1024;

interface Prepared { st: Stats; data: Buffer }

/**
 * A small regular file read through its own O_NOFOLLOW|O_NONBLOCK fd (fstat decides, not d_type);
 * null for anything else (not regular, larger than SMALL_FILE, or gone), which the caller then
 * handles on the async path.
 */
function prepareSmall(dirFd: number, n: string): Prepared | null {
  let fd: number;
  try {
    fd = openSync(at(dirFd, n), FILE_FLAGS);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > SMALL_FILE) return null;
    // Zero-filled if it shrank meanwhile: the header's size stays true.
    const data = Buffer.alloc(st.size);
    for (let off = 0; off < data.length;) {
      const got = readSync(fd, data, off, data.length - off, off);
      if (got === 0) break;
      off += got;
    }
    return { st, data };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function meta(st: Stats): Pick<Header, 'mode' | 'uid' | 'gid' | 'mtime'> {
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

/** glibc's gnu_dev_major/minor over a JS number (rdev fits in 53 bits in practice). */
export function major(rdev: number): number {
  const hi = Math.floor(rdev / 2 ** 32);
  return ((rdev >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0);
}
export function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
}
