/**
 * @module containers/layer-pack
 * `docker commit`: a container's upper dir (overlay form) → an uncompressed OCI layer tar.
 * Overlay whiteouts become OCI ones: a char 0/0 device NAME → an empty regular file `.wh.NAME`;
 * an opaque dir → the dir itself plus an empty `DIR/.wh..wh..opq`. Hard links inside the layer are
 * kept as tar hard links (first occurrence is the file). Files are streamed straight from the upper
 * dir, so the caller must keep it quiet (pause a running container) until the stream ends.
 * xattrs: like moby's tar writer, only `security.capability` is carried (file capabilities such as
 * ping's cap_net_raw); overlay's trusted.* and the rest are not image content. The values are
 * binary, and tar-stream writes pax values as UTF-8 strings, so the `SCHILY.xattr.*` record is
 * written here as a raw pax extended header (with `path`, so the entry's own ustar name may be
 * shortened) right before the file's header. GNU tar (applyLayer) restores it with --xattrs.
 */
import { closeSync, constants as fsConstants, createReadStream, openSync, readlinkSync, readSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header as TarHeader } from 'tar-stream';
import { run } from '../util/exec-file.js';
import { devMajorMinor, unescapeGetfattr, type UpperEntry } from './upper-scan.js';

/** tar-stream fills in what is left out. */
export type Header = Partial<TarHeader> & { name: string };

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** The tar headers for one upper-dir entry, in order (pure; `links` tracks hard links seen so far). */
export function headersFor(e: UpperEntry, links: Map<string, string>, linkTarget?: string): Header[] {
  const name = e.path.slice(1);
  const st = e.stat;
  const base: Header = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, size: 0 };
  if (e.whiteout) {
    const wh = path.posix.join(path.posix.dirname(name), `${WHITEOUT_PREFIX}${path.posix.basename(name)}`);
    return [{ ...base, name: wh, type: 'file', mode: 0o600 }];
  }
  if (st.isDirectory()) {
    const out: Header[] = [{ ...base, type: 'directory' }];
    if (e.opaque) out.push({ ...base, name: `${name}/${OPAQUE_MARKER}`, type: 'file', mode: 0o600 });
    return out;
  }
  if (st.isSymbolicLink()) return [{ ...base, type: 'symlink', linkname: linkTarget ?? '' }];
  if (st.isFile()) {
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) return [{ ...base, type: 'link', linkname: first }];
      links.set(key, name);
    }
    return [{ ...base, type: 'file', size: st.size }];
  }
  const { major, minor } = devMajorMinor(st.rdev);
  if (st.isCharacterDevice()) return [{ ...base, type: 'character-device', devmajor: major, devminor: minor }];
  if (st.isBlockDevice()) return [{ ...base, type: 'block-device', devmajor: major, devminor: minor }];
  if (st.isFIFO()) return [{ ...base, type: 'fifo' }];
  return []; // sockets cannot be archived; Docker skips them too
}

/** Files up to this size are read whole, ahead of their turn; bigger ones are streamed. */
const SMALL_FILE = 256 * 1024;
/** Small files are read synchronously in runs of this many, yielding to the event loop between
 *  runs. For page-cached files the async fs calls cost far more in dispatch than the syscalls
 *  themselves (10k small files: open/fstat/read/close round trips were ~90% of the pack time). */
const SYNC_RUN = 128;

/** The whole content of a small file of known size (no fstat: lstat gave the size). */
function readSmall(abs: string, size: number): Buffer {
  const fd = openSync(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    // One more byte means the file grew since lstat: the header size would be wrong.
    if (off !== size || readSync(fd, Buffer.alloc(1), 0, 1, size) !== 0) throw new Error(`${abs} changed size while being packed`);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Streams the layer tar of `entries` (from scanUpper(upper)). Errors destroy the stream. */
export function packUpper(upper: string, entries: readonly UpperEntry[], signal?: AbortSignal): Readable {
  const pack = tarPack();
  // Iterate from the start: an error before the consumer's first read (e.g. in the first entry)
  // must reach the iterator, not become an 'error' event nobody listens to.
  const chunks = (pack as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const links = new Map<string, string>();
  const entry = (h: Header, body?: Buffer) =>
    new Promise<void>((resolve, reject) => { pack.entry(h as TarHeader, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())); });
  void (async () => {
    // scanUpper already read the capabilities; only a hand-made entry list needs another getfattr.
    const scanned = entries.every((e) => e.capability !== undefined);
    const caps = scanned ? new Map(entries.flatMap((e) => (e.capability ? [[e.path, e.capability] as const] : []))) : await fileCapabilities(upper);
    for (let i = 0; i < entries.length; i++) {
      signal?.throwIfAborted();
      const e = entries[i]!;
      const abs = path.join(upper, e.path);
      if (i % SYNC_RUN === SYNC_RUN - 1) await new Promise<void>((r) => setImmediate(r));
      const st = e.stat;
      const target = st.isSymbolicLink() ? readlinkSync(abs) : undefined;
      for (const h of headersFor(e, links, target)) {
        const cap = h.type === 'file' && !e.whiteout ? caps.get(e.path) : undefined;
        if (cap) {
          const pax = paxRecords([['path', Buffer.from(h.name)], ['SCHILY.xattr.security.capability', cap]]);
          // tar-stream refuses a body for non-file types; between entries nothing else is pushing.
          pack.push(Buffer.concat([paxHeaderBlock(pax.length, h.mtime ?? new Date()), pax, Buffer.alloc((512 - (pax.length % 512)) % 512)]));
          if (Buffer.byteLength(h.name) > 100) h.name = Buffer.from(h.name).subarray(0, 99).toString('latin1');
        }
        const size = h.type === 'file' ? (h.size ?? 0) : 0;
        if (size > 0 && size <= SMALL_FILE) {
          await entry(h, readSmall(abs, size));
        } else if (size > 0) {
          const sink = pack.entry(h as TarHeader);
          await pipeline(createReadStream(abs, { end: size - 1 }), sink);
        } else {
          await entry(h);
        }
      }
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  const out = Readable.from(coalesce(chunks), { objectMode: false });
  // A consumer that gives up before reading never starts the generator, so stop the packer here
  // (it holds open files, and a paused container waits for it).
  out.on('close', () => pack.destroy());
  return out;
}

/** Output chunk size: tar-stream emits a header, a body and a padding chunk per entry, and a
 *  write per tiny chunk made the consumer (hash + file write) the bottleneck for small files. */
const CHUNK = 256 * 1024;

async function* coalesce(src: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let bytes = 0;
  for await (const b of { [Symbol.asyncIterator]: () => src }) {
    // File data (64 KiB stream chunks) passes through uncopied; only the small pieces are merged.
    if (b.length >= 16 * 1024) {
      if (bytes) { yield Buffer.concat(parts, bytes); parts = []; bytes = 0; }
      yield b;
      continue;
    }
    parts.push(b);
    bytes += b.length;
    if (bytes >= CHUNK) { yield Buffer.concat(parts, bytes); parts = []; bytes = 0; }
  }
  if (bytes) yield Buffer.concat(parts, bytes);
}

/** `security.capability` of every entry below `upper`, by container path (one getfattr for the tree). */
export async function fileCapabilities(upper: string): Promise<Map<string, Buffer>> {
  // Exit 1 only means "some file had no such attribute"; output is still complete.
  const { stdout } = await run('getfattr', ['-R', '-h', '--absolute-names', '-d', '-e', 'hex', '-m', '^security\\.capability$', upper], { okCodes: [1] });
  const out = new Map<string, Buffer>();
  let file: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeGetfattr(line.slice(8));
    const m = /^security\.capability=0x([0-9a-f]+)$/.exec(line);
    if (m && file !== undefined) {
      const rel = path.relative(upper, file);
      if (rel && !rel.startsWith('..')) out.set(`/${rel}`, Buffer.from(m[1]!, 'hex'));
    }
  }
  return out;
}

/** A pax extended header body: `LEN key=value\n` records, values as raw bytes. */
export function paxRecords(records: readonly [string, Buffer][]): Buffer {
  return Buffer.concat(records.map(([k, v]) => {
    const body = Buffer.concat([Buffer.from(` ${k}=`), v, Buffer.from('\n')]);
    let n = body.length;
    for (let t = body.length + String(n).length; t !== n; t = body.length + String(n).length) n = t;
    return Buffer.concat([Buffer.from(String(n)), body]);
  }));
}

/** The 512-byte ustar header of a pax extended header ('x') whose body is `size` bytes. */
export function paxHeaderBlock(size: number, mtime: Date): Buffer {
  const b = Buffer.alloc(512);
  const oct = (v: number, len: number) => v.toString(8).padStart(len - 1, '0') + '\0';
  b.write('PaxHeader', 0, 'latin1');
  b.write(oct(0o644, 8), 100, 'latin1');
  b.write(oct(0, 8), 108, 'latin1');
  b.write(oct(0, 8), 116, 'latin1');
  b.write(oct(size, 12), 124, 'latin1');
  b.write(oct(Math.floor(mtime.getTime() / 1000), 12), 136, 'latin1');
  b.write('x', 156, 'latin1');
  b.write('ustar\0' + '00', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return b;
}
