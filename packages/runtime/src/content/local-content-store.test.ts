import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { LocalContentStore, assertDigest } from './local-content-store.js';
import type { Digest } from '../images/image-types.js';
import { isEngineError } from '../errors/engine-error.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;

async function codeOfRejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return isEngineError(err) ? err.code : `non-engine:${(err as Error).name}`;
  }
  return 'resolved';
}

function slowStream(chunks: Buffer[], delayMs = 5): Readable {
  return Readable.from((async function* () {
    for (const c of chunks) { await new Promise((r) => setTimeout(r, delayMs)); yield c; }
  })());
}

describe('LocalContentStore', () => {
  let root: string;
  let store: LocalContentStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'bt-cs-'));
    store = new LocalContentStore(root);
  });
  afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

  const ingestFiles = async () => fs.readdir(path.join(root, 'ingest')).catch(() => []);

  it('ingests a stream, stores it under blobs/sha256/<hex> read-only, and reads it back', async () => {
    const data = Buffer.from('hello berth '.repeat(10_000));
    const d = sha(data);
    const info = await store.ingest(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { expected: d, expectedSize: data.length });
    expect(info).toEqual({ digest: d, size: data.length });
    const p = path.join(root, 'blobs', 'sha256', d.slice(7));
    expect(store.path(d)).toBe(p);
    expect((await fs.stat(p)).mode & 0o777).toBe(0o444);
    expect(await store.has(d)).toBe(true);
    expect(await store.info(d)).toEqual(info);
    expect((await store.readBytes(d)).equals(data)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of store.read(d)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(await ingestFiles()).toEqual([]);
  });

  it('computes the digest when none is expected, and writeBytes is idempotent', async () => {
    const data = Buffer.from('{"a":1}');
    const a = await store.writeBytes(data);
    expect(a.digest).toBe(sha(data));
    const b = await store.writeBytes(data, sha(data));
    expect(b).toEqual(a);
    const listed: unknown[] = [];
    for await (const x of store.list()) listed.push(x);
    expect(listed).toEqual([a]);
  });

  it('rejects a digest mismatch with INVALID_ARGUMENT and leaves neither blob nor ingest', async () => {
    const data = Buffer.from('real bytes');
    const wrong = sha('other bytes');
    expect(await codeOfRejection(store.writeBytes(data, wrong))).toBe('INVALID_ARGUMENT');
    expect(await store.has(wrong)).toBe(false);
    expect(await store.has(sha(data))).toBe(false);
    expect(await ingestFiles()).toEqual([]);
  });

  it('rejects a size mismatch (short and long) and removes the ingest', async () => {
    const data = Buffer.from('0123456789');
    expect(await codeOfRejection(store.ingest(Readable.from([data]), { expectedSize: 11 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOfRejection(store.ingest(Readable.from([data]), { expectedSize: 9 }))).toBe('INVALID_ARGUMENT');
    expect(await ingestFiles()).toEqual([]);
    const listed: unknown[] = [];
    for await (const x of store.list()) listed.push(x);
    expect(listed).toEqual([]);
  });

  it('enforces maxSize while streaming (stops reading early)', async () => {
    let produced = 0;
    const src = Readable.from((async function* () {
      for (let i = 0; i < 1000; i++) { produced++; yield Buffer.alloc(64 * 1024); }
    })());
    const err = await store.ingest(src, { maxSize: 256 * 1024 }).catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/maximum size/);
    expect(produced).toBeLessThan(50);
    expect(await ingestFiles()).toEqual([]);
  });

  it('removes the ingest when the source stream fails or the signal aborts', async () => {
    const failing = Readable.from((async function* () { yield Buffer.from('partial'); throw new Error('connection reset'); })());
    expect(await codeOfRejection(store.ingest(failing))).toBe('INTERNAL');
    expect(await ingestFiles()).toEqual([]);

    const ac = new AbortController();
    const p = store.ingest(slowStream(Array.from({ length: 50 }, () => Buffer.alloc(1024))), { signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    const err = await p.catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(await ingestFiles()).toEqual([]);
  });

  it('validates digests before using them as paths', async () => {
    const bad = ['sha256:../../etc/passwd', 'sha256:' + 'A'.repeat(64), 'sha512:' + 'a'.repeat(64), 'sha256:' + 'a'.repeat(63), ''];
    for (const d of bad) {
      expect(() => store.path(d as Digest)).toThrow(/invalid digest/);
      expect(await codeOfRejection(store.info(d as Digest))).toBe('INVALID_ARGUMENT');
      expect(await codeOfRejection(store.delete(d as Digest))).toBe('INVALID_ARGUMENT');
      expect(await codeOfRejection(store.ingest(Readable.from([Buffer.from('x')]), { expected: d as Digest }))).toBe('INVALID_ARGUMENT');
    }
    expect(() => assertDigest('sha256:' + 'ab'.repeat(32))).not.toThrow();
  });

  it('reports NOT_FOUND for absent blobs (info, readBytes, read stream) and delete is idempotent', async () => {
    const d = sha('absent');
    expect(await store.has(d)).toBe(false);
    expect(await codeOfRejection(store.info(d))).toBe('NOT_FOUND');
    expect(await codeOfRejection(store.readBytes(d))).toBe('NOT_FOUND');
    const err = await (async () => { for await (const _ of store.read(d)) { /* drain */ } })().catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('NOT_FOUND');
    await store.delete(d);
    const info = await store.writeBytes(Buffer.from('x'));
    await store.delete(info.digest);
    expect(await store.has(info.digest)).toBe(false);
  });

  it('pruneIngests removes stale ingest files only', async () => {
    await fs.mkdir(path.join(root, 'ingest'), { recursive: true });
    const old = path.join(root, 'ingest', 'old');
    const fresh = path.join(root, 'ingest', 'fresh');
    await fs.writeFile(old, 'x');
    await fs.writeFile(fresh, 'y');
    const past = new Date(Date.now() - 3_600_000);
    await fs.utimes(old, past, past);
    expect(await store.pruneIngests(60_000)).toBe(1);
    expect(await ingestFiles()).toEqual(['fresh']);
  });
});
