/**
 * @module containers/layer-pack
 * `docker commit`: a container's upper dir (overlay form) → an uncompressed OCI layer tar.
 * Overlay whiteouts become OCI ones: a char 0/0 device NAME → an empty regular file `.wh.NAME`;
 * an opaque dir → the dir itself plus an empty `DIR/.wh..wh..opq`. Hard links inside the layer are
 * kept as tar hard links (first occurrence is the file). Files are streamed straight from the upper
 * dir, so the caller must keep it quiet (pause a running container) until the stream ends.
 * Not carried over: xattrs (e.g. security.capability) — tar-stream has no PAX xattr support here.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header as TarHeader } from 'tar-stream';
import { devMajorMinor, type UpperEntry } from './upper-scan.js';

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

/** Streams the layer tar of `entries` (from scanUpper(upper)). Errors destroy the stream. */
export function packUpper(upper: string, entries: readonly UpperEntry[], signal?: AbortSignal): Readable {
  const pack = tarPack();
  const links = new Map<string, string>();
  const entry = (h: Header, body?: Buffer) =>
    new Promise<void>((resolve, reject) => { pack.entry(h as TarHeader, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())); });
  void (async () => {
    for (const e of entries) {
      signal?.throwIfAborted();
      const abs = path.join(upper, e.path);
      const target = e.stat.isSymbolicLink() ? await fs.readlink(abs) : undefined;
      for (const h of headersFor(e, links, target)) {
        if (h.type === 'file' && (h.size ?? 0) > 0) {
          const sink = pack.entry(h as TarHeader);
          await pipeline(createReadStream(abs, { end: (h.size ?? 0) - 1 }), sink);
        } else {
          await entry(h);
        }
      }
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  return Readable.from(pack);
}
