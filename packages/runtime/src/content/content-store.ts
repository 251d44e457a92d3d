/**
 * @module content/content-store
 * Content-addressed blobs (sha256). Lifecycle: ingest(stream) → verified → atomically renamed into
 * `blobs/sha256/<hex>`; never visible half-written. Uncommitted ingests live under `ingest/` and are
 * removed on failure.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../images/image-types.js';

export interface BlobInfo { digest: Digest; size: number }

export interface ContentStore {
  has(digest: Digest): Promise<boolean>;
  /** NOT_FOUND if absent. */
  info(digest: Digest): Promise<BlobInfo>;
  /** Path of a committed blob, for readers that need a file (GNU tar). */
  path(digest: Digest): string;
  read(digest: Digest): Readable;
  readBytes(digest: Digest): Promise<Buffer>;
  /** Writes, fsyncs and renames; verifies `expected` (DATA_LOSS... INVALID_ARGUMENT on mismatch). Idempotent. */
  writeBytes(data: Buffer, expected?: Digest): Promise<BlobInfo>;
  ingest(stream: Readable, opts?: { expected?: Digest; expectedSize?: number; maxSize?: number; signal?: AbortSignal }): Promise<BlobInfo>;
  delete(digest: Digest): Promise<void>;
  list(): AsyncIterable<BlobInfo>;
}
