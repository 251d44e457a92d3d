/**
 * @module archive/tar-check
 * The gate every untrusted tar passes before anything touches the filesystem (layers, image import,
 * later cp-in / load / build contexts). checkTar() parses the whole archive with tar-stream (gzip is
 * detected by magic bytes and inflated in-process with zlib: no decompressor is spawned, CVE-2014-9357)
 * and rejects, with INVALID_ARGUMENT naming the entry, everything extraction could turn into a write
 * outside the target (security notes T01-T05):
 *  - `..` components anywhere (raw or after normalization); NUL bytes; names > 4096 / components > 255 bytes.
 *  - Absolute member names are NOT rejected: the leading '/' is stripped, like moby and GNU tar, so
 *    `/etc/x` lands at `<target>/etc/x`. Each name is normalized by splitting on '/' and dropping
 *    empty and '.' components (never with a `./` prefix regex: that corrupts `.wh.` names).
 *  - Any entry whose parent path goes through a symlink defined earlier in the archive. Symlinks
 *    themselves may point anywhere: they are only dangerous when followed, and after this check
 *    nothing in the archive is written through one.
 *  - A directory entry replacing an earlier symlink (tar implementations differ on whether they keep it).
 *  - Hardlinks whose target is absolute, has `..`, goes through a symlink, is a directory or a whiteout,
 *    or was not seen earlier in the archive (so a link can only reach an inode this archive created).
 *  - char/block devices unless `allowDevices`; FIFOs are fine; unknown type flags; GNU sparse (pax
 *    `GNU.sparse.*`, whose real name tar-stream would not see).
 *  - Whiteout abuse: `.wh.` names must be regular files whose target is not empty/`.`/`..`;
 *    `.wh..wh..opq` only as a basename; other `.wh..wh.*` (aufs `.wh..wh.plnk`…) and `.wh.` directory
 *    components are rejected.
 *  - Caps: entry count and uncompressed bytes (decompression bombs, T12), counted while streaming.
 * The summary carries the sha256 of the uncompressed stream (the layer's diffID) and the whiteouts /
 * opaque markers so applyLayer can convert them without re-reading the archive.
 * Residual risk: a parser differential between tar-stream and the extractor (e.g. a pax *global*
 * header, which tar-stream only merges into entries that have their own pax header). applyLayer
 * relies on GNU tar's own member-name checks as a second, independent layer; see apply-layer.ts.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable, Transform, addAbortSignal, pipeline } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import type { Header } from 'tar-stream';
import type { Digest } from '../images/image-types.js';
import { EngineError, errors, isEngineError } from '../errors/engine-error.js';

export const DEFAULT_MAX_ENTRIES = 500_000;
export const DEFAULT_MAX_SIZE = 32 * 1024 ** 3;
const PATH_MAX = 4096;
const NAME_MAX = 255;
const WH_PREFIX = '.wh.';
const WH_META_PREFIX = '.wh..wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface CheckTarOptions {
  /** Maximum number of entries (default 500 000). */
  maxEntries?: number;
  /** Maximum uncompressed size in bytes (default 32 GiB). */
  maxSize?: number;
  /** Accept char/block device entries (default false). */
  allowDevices?: boolean;
  signal?: AbortSignal;
}

export type TarCompression = 'none' | 'gzip';

export interface TarSummary {
  /** Number of entries (pax/GNU long-name headers excluded). */
  entries: number;
  /** Normalized paths of the `.wh.<name>` entries, e.g. `data/.wh.del-me`. */
  whiteouts: string[];
  /** Normalized paths of directories holding a `.wh..wh..opq` marker; `.` is the archive root. */
  opaqueDirs: string[];
  /** sha256 of the uncompressed tar stream: the layer's diffID. */
  uncompressedDigest: Digest;
  uncompressedSize: number;
  compression: TarCompression;
}

/** Validates an archive (a file path or a stream, gzip or plain) without writing anything. */
export async function checkTar(source: Readable | string, opts: CheckTarOptions = {}): Promise<TarSummary> {
  const { stream, compression } = await openUncompressed(source, opts.signal);
  const counter = new CountingHash(opts.maxSize ?? DEFAULT_MAX_SIZE);
  const rules = new EntryRules(opts);
  const extract = tarExtract();
  const upstream = pipeline(stream, counter, (err) => { if (err) extract.destroy(err); });
  upstream.pipe(extract);
  try {
    for await (const entry of extract) {
      rules.check(entry.header);
      entry.resume();
    }
  } catch (err) {
    upstream.destroy();
    throw mapParseError(err);
  }
  return {
    entries: rules.entries,
    whiteouts: rules.whiteouts,
    opaqueDirs: rules.opaqueDirs,
    uncompressedDigest: `sha256:${counter.hash.digest('hex')}`,
    uncompressedSize: counter.size,
    compression,
  };
}

/**
 * The uncompressed bytes of `source` (gzip inflated in-process). Other compressions are refused with
 * NOT_IMPLEMENTED rather than handed to an external decompressor.
 */
export async function openUncompressed(source: Readable | string, signal?: AbortSignal): Promise<{ stream: Readable; compression: TarCompression }> {
  signal?.throwIfAborted();
  let raw: Readable;
  if (typeof source === 'string') {
    try {
      await fs.access(source);
    } catch (err) {
      throw errors.notFoundMessage(`archive ${source}: ${(err as Error).message}`);
    }
    raw = createReadStream(source);
  } else {
    raw = source;
  }
  const { head, stream } = await sniff(raw, 10);
  const kind = detectCompression(head);
  if (kind !== 'none' && kind !== 'gzip') {
    stream.destroy();
    throw errors.notImplemented(`unsupported archive compression: ${kind}`);
  }
  const out = kind === 'gzip' ? pipeline(stream, createGunzip(), () => undefined) : stream;
  if (signal) addAbortSignal(signal, out);
  return { stream: out, compression: kind };
}

export function detectCompression(head: Buffer): TarCompression | 'zstd' | 'xz' | 'bzip2' {
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  // 'BZh' + level + block magic (pi): a plain tar whose first name starts with "BZh" is not bzip2.
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'BZh' && /[1-9]/.test(String.fromCharCode(head[3]!))
    && head.subarray(4, 10).equals(Buffer.from([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]))) return 'bzip2';
  return 'none';
}

/**
 * Normalizes a member name: leading '/' stripped, empty and '.' components dropped; '' is the root.
 * Throws INVALID_ARGUMENT on `..`, NUL or over-long names.
 */
export function normalizeEntryPath(name: string, what = 'entry', entry = name): string {
  if (name.includes('\0')) throw badEntry(entry, `${what} name contains a NUL byte`);
  if (Buffer.byteLength(name) > PATH_MAX) throw badEntry(entry, `${what} name is longer than ${PATH_MAX} bytes`);
  const parts: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') throw badEntry(entry, `${what} path contains '..'`);
    if (Buffer.byteLength(c) > NAME_MAX) throw badEntry(entry, `${what} path component is longer than ${NAME_MAX} bytes`);
    parts.push(c);
  }
  return parts.join('/');
}

type Kind = 'file' | 'dir' | 'symlink' | 'other' | 'whiteout';

class EntryRules {
  entries = 0;
  readonly whiteouts: string[] = [];
  readonly opaqueDirs: string[] = [];
  private readonly seen = new Map<string, Kind>();
  private readonly symlinks = new Set<string>();
  private readonly maxEntries: number;

  constructor(private readonly opts: CheckTarOptions) {
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  check(h: Header): void {
    if (++this.entries > this.maxEntries) throw errors.invalid(`archive has more than ${this.maxEntries} entries`);
    const type = h.type as Header['type'] | null;
    const p = normalizeEntryPath(h.name);
    const pax = (h.pax ?? {}) as Record<string, string>;
    if (Object.keys(pax).some((k) => k.startsWith('GNU.sparse.'))) throw badEntry(h.name, 'GNU sparse files are not supported');
    this.assertNoSymlinkParent(h.name, p);
    const base = p.slice(p.lastIndexOf('/') + 1);
    const dir = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.';
    for (const c of p.split('/').slice(0, -1)) {
      if (c.startsWith(WH_PREFIX)) throw badEntry(h.name, 'whiteout name used as a directory');
    }

    if (base.startsWith(WH_PREFIX)) {
      if (type !== 'file' && type !== 'contiguous-file') throw badEntry(h.name, 'whiteout entries must be regular files');
      if (base === OPAQUE_MARKER) {
        this.opaqueDirs.push(dir);
      } else {
        if (base.startsWith(WH_META_PREFIX)) throw badEntry(h.name, 'unsupported whiteout metadata entry');
        const target = base.slice(WH_PREFIX.length);
        if (target === '' || target === '.' || target === '..') throw badEntry(h.name, 'invalid whiteout target');
        this.whiteouts.push(p);
      }
      this.seen.set(p, 'whiteout');
      return;
    }

    switch (type) {
      case 'file':
      case 'contiguous-file':
        this.requireName(h.name, p);
        this.seen.set(p, 'file');
        return;
      case 'directory':
        if (this.symlinks.has(p)) throw badEntry(h.name, 'directory replaces a symlink defined earlier in the archive');
        this.seen.set(p, 'dir');
        return;
      case 'symlink': {
        this.requireName(h.name, p);
        const target = h.linkname ?? '';
        if (target === '' || target.includes('\0') || Buffer.byteLength(target) > PATH_MAX) throw badEntry(h.name, 'invalid symlink target');
        this.symlinks.add(p);
        this.seen.set(p, 'symlink');
        return;
      }
      case 'link':
        this.requireName(h.name, p);
        this.checkHardlink(h, p);
        this.seen.set(p, 'file');
        return;
      case 'character-device':
      case 'block-device':
        this.requireName(h.name, p);
        if (!this.opts.allowDevices) throw badEntry(h.name, `${type} entries are not allowed`);
        this.seen.set(p, 'other');
        return;
      case 'fifo':
        this.requireName(h.name, p);
        this.seen.set(p, 'other');
        return;
      default:
        throw badEntry(h.name, `unsupported entry type ${String(type)}`);
    }
  }

  private requireName(raw: string, p: string): void {
    if (p === '') throw badEntry(raw, 'non-directory entry for the archive root');
  }

  private assertNoSymlinkParent(raw: string, p: string, what = 'entry'): void {
    let prefix = '';
    const parts = p.split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix ? `${prefix}/${parts[i]}` : parts[i]!;
      if (this.symlinks.has(prefix)) throw badEntry(raw, `${what} path goes through symlink ${prefix}`);
    }
  }

  private checkHardlink(h: Header, p: string): void {
    const link = h.linkname ?? '';
    if (link === '') throw badEntry(h.name, 'hardlink without a target');
    if (link.startsWith('/')) throw badEntry(h.name, `hardlink target ${clip(link)} is absolute`);
    const t = normalizeEntryPath(link, 'hardlink target', h.name);
    if (t === '') throw badEntry(h.name, 'hardlink to the archive root');
    if (t === p) throw badEntry(h.name, 'hardlink to itself');
    this.assertNoSymlinkParent(h.name, t, 'hardlink target');
    const kind = this.seen.get(t);
    if (kind === undefined) throw badEntry(h.name, `hardlink target ${clip(link)} is not an earlier entry of the archive`);
    if (kind === 'dir' || kind === 'whiteout') throw badEntry(h.name, `hardlink target ${clip(link)} is a ${kind === 'dir' ? 'directory' : 'whiteout'}`);
  }
}

/** Counts and hashes the uncompressed stream; fails fast past the cap. */
class CountingHash extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  constructor(private readonly max: number) { super(); }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.max) {
      cb(errors.invalid(`archive exceeds the maximum uncompressed size of ${this.max} bytes`));
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

async function sniff(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = src[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  try {
    while (len < n) {
      const r = await it.next();
      if (r.done) { ended = true; break; }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      chunks.push(b);
      len += b.length;
    }
  } catch (err) {
    throw errors.invalid(`cannot read archive: ${(err as Error).message}`, err);
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      while (!ended) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, stream: Readable.from(all(), { objectMode: false }) };
}

function mapParseError(err: unknown): unknown {
  if (isEngineError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return err;
  if (e?.code?.startsWith('Z_')) return errors.invalid(`invalid archive: gzip: ${e.message}`, err);
  if (/tar|header|Unexpected end/i.test(e?.message ?? '')) return errors.invalid(`invalid archive: ${e.message}`, err);
  return errors.internal(`reading archive: ${e?.message ?? String(err)}`, err);
}

function badEntry(name: string, reason: string): EngineError {
  return new EngineError('INVALID_ARGUMENT', `invalid archive entry ${JSON.stringify(clip(name))}: ${reason}`, { details: { entry: clip(name) } });
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
