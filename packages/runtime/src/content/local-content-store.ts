/**
 * @module content/local-content-store
 * Filesystem ContentStore (containerd `plugins/content/local` layout):
 *   <root>/blobs/sha256/<hex>   committed blobs, read-only (0444), named by their verified digest
 *   <root>/ingest/<random>      in-flight writes; never visible to has/info/read/list
 * Lifecycle of a write: stream → sha256 + byte count computed on the fly → caps checked while
 * streaming → expected size/digest verified → fsync → chmod 0444 → rename into `blobs/` → fsync(dir).
 * Written data is fdatasync'ed every 8 MiB while streaming (overlaps disk and network; the final
 * fsync then has little left) — durability order is unchanged: nothing is renamed before fsync.
 * Any failure (mismatch, cap, abort, I/O) removes the ingest file, so a crash or a hostile registry
 * can only leave garbage under `ingest/` (see `pruneIngests`), never a wrong blob under a digest.
 * Digests are validated (`sha256:` + 64 lowercase hex) before they ever become path components.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TransformCallback } from 'node:stream';
import type { BlobInfo, ContentStore } from './content-store.js';
import type { Digest } from '../images/image-types.js';
import { errors, isEngineError } from '../errors/engine-error.js';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const HEX_RE = /^[0-9a-f]{64}$/;
/** Ingests flush written data to disk every this many bytes (see `ingest`). */
const EARLY_FLUSH_BYTES = 8 << 20;

/** Throws INVALID_ARGUMENT unless `d` is a canonical sha256 digest (safe to use as a file name). */
export function assertDigest(d: unknown): asserts d is Digest {
  if (typeof d !== 'string' || !DIGEST_RE.test(d)) {
    throw errors.invalid(`invalid digest ${JSON.stringify(String(d)).slice(0, 100)}: expected sha256:<64 lowercase hex>`);
  }
}

export interface IngestOptions { expected?: Digest; expectedSize?: number; maxSize?: number; signal?: AbortSignal }

export class LocalContentStore implements ContentStore {
  private readonly blobDir: string;
  private readonly ingestDir: string;
  private ready: Promise<void> | undefined;

  constructor(readonly root: string) {
    this.blobDir = path.join(root, 'blobs', 'sha256');
    this.ingestDir = path.join(root, 'ingest');
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      await this.info(digest);
      return true;
    } catch (err) {
      if (isEngineError(err) && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  }

  async info(digest: Digest): Promise<BlobInfo> {
    const p = this.path(digest);
    try {
      const st = await fs.stat(p);
      return { digest, size: st.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(digest);
      throw errors.internal(`content store: stat ${digest}`, err);
    }
  }

  path(digest: Digest): string {
    assertDigest(digest);
    return path.join(this.blobDir, digest.slice('sha256:'.length));
  }

  /** The stream errors with NOT_FOUND if the blob is absent (checked when reading starts). */
  read(digest: Digest): Readable {
    const p = this.path(digest);
    async function* chunks(): AsyncGenerator<Buffer> {
      let fh: fs.FileHandle;
      try {
        fh = await fs.open(p, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(digest);
        throw errors.internal(`content store: read ${digest}`, err);
      }
      try {
        for await (const chunk of fh.createReadStream({ autoClose: false })) yield chunk as Buffer;
      } finally {
        await fh.close();
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async readBytes(digest: Digest): Promise<Buffer> {
    const p = this.path(digest);
    try {
      return await fs.readFile(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(digest);
      throw errors.internal(`content store: read ${digest}`, err);
    }
  }

  async writeBytes(data: Buffer, expected?: Digest): Promise<BlobInfo> {
    return this.ingest(Readable.from([data]), { expected, expectedSize: expected ? data.length : undefined });
  }

  async ingest(stream: Readable, opts: IngestOptions = {}): Promise<BlobInfo> {
    if (opts.expected !== undefined) assertDigest(opts.expected);
    for (const [k, v] of [['expectedSize', opts.expectedSize], ['maxSize', opts.maxSize]] as const) {
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw errors.invalid(`invalid ${k}: ${v}`);
    }
    opts.signal?.throwIfAborted();
    await this.ensureDirs();
    const tmp = path.join(this.ingestDir, randomBytes(12).toString('hex'));
    const counter = new DigestCounter(opts);
    // Start writeback while the rest still streams in, so the final fsync has little left to do.
    // fdatasync acts on the file, so a second descriptor (opened once the file exists) serves.
    let flushing: Promise<unknown> = Promise.resolve();
    let flushedAt = 0;
    counter.onProgress = (n) => {
      if (n - flushedAt < EARLY_FLUSH_BYTES) return;
      flushedAt = n;
      flushing = flushing.then(async () => {
        const fh = await fs.open(tmp, 'r');
        try { await fh.datasync(); } finally { await fh.close(); }
      }).catch(() => undefined);
    };
    try {
      await pipeline(stream, counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }), { signal: opts.signal });
      await flushing;
      const size = counter.size;
      const digest = `sha256:${counter.hash.digest('hex')}` as Digest;
      if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
        throw errors.invalid(`size mismatch: expected ${opts.expectedSize} bytes, got ${size}${opts.expected ? ` for ${opts.expected}` : ''}`);
      }
      if (opts.expected !== undefined && digest !== opts.expected) {
        throw errors.invalid(`digest mismatch: expected ${opts.expected}, got ${digest}`);
      }
      const fh = await fs.open(tmp, 'r');
      try { await fh.sync(); } finally { await fh.close(); }
      await fs.chmod(tmp, 0o444);
      // rename over an existing blob is fine: same digest means same bytes (idempotent write).
      await fs.rename(tmp, this.path(digest));
      await fsyncDir(this.blobDir);
      return { digest, size };
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      if (isEngineError(err) || isAbortError(err)) throw err;
      throw errors.internal(`content store: ingest failed: ${(err as Error).message}`, err);
    }
  }

  /** Idempotent: deleting an absent blob is not an error (GC may race with another delete). */
  async delete(digest: Digest): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }

  async *list(): AsyncIterable<BlobInfo> {
    let names: string[];
    try {
      names = await fs.readdir(this.blobDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw errors.internal('content store: list', err);
    }
    for (const name of names.sort()) {
      if (!HEX_RE.test(name)) continue;
      try {
        const st = await fs.stat(path.join(this.blobDir, name));
        if (st.isFile()) yield { digest: `sha256:${name}`, size: st.size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw errors.internal('content store: list', err);
      }
    }
  }

  /** Removes ingest files older than `maxAgeMs` (left by crashes); returns how many were removed. */
  async pruneIngests(maxAgeMs: number): Promise<number> {
    let names: string[];
    try { names = await fs.readdir(this.ingestDir); } catch { return 0; }
    const cutoff = Date.now() - maxAgeMs;
    let removed = 0;
    for (const name of names) {
      const p = path.join(this.ingestDir, name);
      try {
        const st = await fs.lstat(p);
        if (st.mtimeMs <= cutoff) { await fs.rm(p, { force: true, recursive: true }); removed++; }
      } catch { /* raced with its own cleanup */ }
    }
    return removed;
  }

  private ensureDirs(): Promise<void> {
    this.ready ??= (async () => {
      await fs.mkdir(this.blobDir, { recursive: true, mode: 0o700 });
      await fs.mkdir(this.ingestDir, { recursive: true, mode: 0o700 });
    })();
    return this.ready.catch((err) => { this.ready = undefined; throw errors.internal('content store: cannot create directories', err); });
  }
}

/** Hashes and counts bytes in flight; fails fast when a size cap or the announced size is exceeded. */
class DigestCounter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  /** Called with the byte count after each chunk that passed the caps. */
  onProgress?: (size: number) => void;
  private readonly limit: number;

  constructor(private readonly opts: IngestOptions) {
    super();
    this.limit = Math.min(opts.maxSize ?? Infinity, opts.expectedSize ?? Infinity);
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.size += buf.length;
    if (this.size > this.limit) {
      const { maxSize, expectedSize } = this.opts;
      const msg = maxSize !== undefined && this.size > maxSize
        ? `content exceeds the maximum size of ${maxSize} bytes`
        : `size mismatch: more than the expected ${expectedSize} bytes`;
      cb(errors.invalid(msg));
      return;
    }
    this.hash.update(buf);
    this.onProgress?.(this.size);
    cb(null, buf);
  }
}

function notFound(digest: string) {
  return errors.notFoundMessage(`content digest ${digest}: not found`);
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try { await fh.sync(); } catch { /* some filesystems refuse fsync on dirs */ } finally { await fh.close(); }
}
