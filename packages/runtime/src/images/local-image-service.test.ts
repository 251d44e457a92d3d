import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobInfo, ContentStore } from '../content/content-store.js';
import { EngineError, errors } from '../errors/engine-error.js';
import type { Mount, SnapshotInfo, Snapshotter } from '../snapshots/snapshotter.js';
import type { Digest } from './image-types.js';
import { ImageStore } from './image-store.js';
import { LocalImageService, type ImageEventAction } from './local-image-service.js';

const sha = (b: Uint8Array | string): Digest => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Directory-backed ContentStore with the contract's observable behaviour. */
class FakeContent implements ContentStore {
  failWrites = false;
  constructor(private readonly dir: string) {}
  path(d: Digest): string { return path.join(this.dir, d.slice(7)); }
  async has(d: Digest): Promise<boolean> { return fs.access(this.path(d)).then(() => true, () => false); }
  async info(d: Digest): Promise<BlobInfo> {
    const st = await fs.stat(this.path(d)).catch(() => { throw errors.notFound('object', d); });
    return { digest: d, size: st.size };
  }
  read(d: Digest): Readable {
    const file = this.path(d);
    // Tiny chunks on purpose: readers must not assume the first chunk holds the magic bytes.
    return Readable.from((async function* () { const b = await fs.readFile(file); yield b.subarray(0, 1); yield b.subarray(1); })());
  }
  readBytes(d: Digest): Promise<Buffer> { return fs.readFile(this.path(d)); }
  async writeBytes(data: Buffer, expected?: Digest): Promise<BlobInfo> {
    if (this.failWrites) throw errors.unavailable('disk on fire');
    const d = sha(data);
    if (expected && expected !== d) throw errors.invalid('digest mismatch');
    await fs.writeFile(this.path(d), data);
    return { digest: d, size: data.length };
  }
  async ingest(stream: Readable, opts: { signal?: AbortSignal } = {}): Promise<BlobInfo> {
    const chunks: Buffer[] = [];
    for await (const c of stream) { opts.signal?.throwIfAborted(); chunks.push(Buffer.from(c as Uint8Array)); }
    const data = Buffer.concat(chunks);
    const d = sha(data);
    await fs.writeFile(this.path(d), data);
    return { digest: d, size: data.length };
  }
  async delete(d: Digest): Promise<void> { await fs.rm(this.path(d)); }
  async *list(): AsyncIterable<BlobInfo> {
    for (const f of await fs.readdir(this.dir)) yield { digest: `sha256:${f}`, size: (await fs.stat(path.join(this.dir, f))).size };
  }
  async names(): Promise<string[]> { return (await fs.readdir(this.dir)).map((f) => `sha256:${f}`).sort(); }
}

class FakeSnapshotter implements Snapshotter {
  readonly id = 'fake';
  readonly snaps = new Map<string, SnapshotInfo & { dir: string }>();
  private n = 0;
  constructor(private readonly dir: string) {}
  private get(k: string) { const s = this.snaps.get(k); if (!s) throw errors.notFound('object', k); return s; }
  async stat(k: string): Promise<SnapshotInfo> { const { dir: _d, ...info } = this.get(k); return info; }
  async exists(k: string): Promise<boolean> { return this.snaps.has(k); }
  async prepare(key: string, parent: string | null): Promise<Mount[]> {
    if (this.snaps.has(key)) throw errors.alreadyExists(`snapshot ${key} already exists`);
    if (parent) this.get(parent);
    const dir = path.join(this.dir, String(++this.n));
    await fs.mkdir(dir);
    this.snaps.set(key, { key, kind: 'active', parent, created: new Date().toISOString(), dir });
    return [];
  }
  async mounts(): Promise<Mount[]> { return []; }
  async upperDir(k: string): Promise<string> { return this.get(k).dir; }
  async lowerDirs(): Promise<string[]> { return []; }
  async commit(name: string, key: string): Promise<void> {
    if (this.snaps.has(name)) throw errors.alreadyExists(`snapshot ${name} already exists`);
    const s = this.get(key);
    this.snaps.delete(key);
    this.snaps.set(name, { ...s, key: name, kind: 'committed' });
  }
  async remove(k: string): Promise<void> {
    const s = this.get(k);
    if ([...this.snaps.values()].some((c) => c.parent === k)) throw errors.precondition(`snapshot ${k} has children`);
    await fs.rm(s.dir, { recursive: true });
    this.snaps.delete(k);
  }
  async usage(k: string): Promise<{ bytes: number; inodes: number }> {
    let bytes = 0;
    const files = await fs.readdir(this.get(k).dir);
    for (const f of files) bytes += (await fs.stat(path.join(this.get(k).dir, f))).size;
    return { bytes, inodes: files.length };
  }
  async *walk(): AsyncIterable<SnapshotInfo> { for (const k of this.snaps.keys()) yield this.stat(k); }
}

/** Stands in for archive/apply-layer: "extracts" by copying the (gunzipped) blob to layer.txt. */
async function fakeApply(blobPath: string, target: string): Promise<{ diffId: Digest; size: number }> {
  let data = await fs.readFile(blobPath);
  if (data[0] === 0x1f && data[1] === 0x8b) data = (await import('node:zlib')).gunzipSync(data);
  if (data.includes('HOSTILE')) throw errors.invalid('invalid tar: path escapes the target');
  await fs.writeFile(path.join(target, 'layer.txt'), data);
  return { diffId: sha(data), size: data.length };
}

let root: string;
let content: FakeContent;
let snaps: FakeSnapshotter;
let store: ImageStore;
let svc: LocalImageService;
let users: Map<string, { containerId: string; running: boolean }>;
let events: [ImageEventAction, string, Record<string, string>][];
let clock: number;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-lis-'));
  for (const d of ['blobs', 'snaps', 'meta']) await fs.mkdir(path.join(root, d));
  content = new FakeContent(path.join(root, 'blobs'));
  snaps = new FakeSnapshotter(path.join(root, 'snaps'));
  store = await ImageStore.open(path.join(root, 'meta'));
  users = new Map();
  events = [];
  clock = Date.parse('2024-05-01T00:00:00Z');
  svc = new LocalImageService({
    content, snapshotter: snaps, store, applyLayer: fakeApply,
    inUse: async (id) => users.get(id), events: (a, id, attrs) => events.push([a, id, attrs]),
    platform: { os: 'linux', architecture: 'amd64' }, now: () => new Date((clock += 1000)),
  });
});
afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

const imp = (body: string | Buffer, opts: Parameters<LocalImageService['importTar']>[1] = {}) => svc.importTar(Readable.from([Buffer.from(body)]), opts);

async function rejectsWith(p: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(EngineError);
  expect((err as EngineError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

describe('LocalImageService.importTar', () => {
  it('records a one-layer image with OCI config and manifest', async () => {
    const { id } = await imp('rootfs-A', { repo: 'x', tag: '1', changes: ['CMD ["sh"]', 'ENV PATH=/bin', 'LABEL a=b'] });
    const rec = await svc.inspect('x:1');
    const diffId = sha('rootfs-A');
    expect(rec).toMatchObject({
      id, repoTags: ['x:1'], repoDigests: [], comment: 'Imported from -', architecture: 'amd64', os: 'linux', parent: '',
      config: { cmd: ['sh'], env: ['PATH=/bin'], labels: { a: 'b' } }, diffIds: [diffId], chainId: diffId, size: 8, labels: { a: 'b' },
    });
    expect(rec.history).toEqual([{ created: rec.created, createdBy: '', comment: 'Imported from -' }]);
    const config = JSON.parse((await content.readBytes(id as Digest)).toString());
    expect(sha(await content.readBytes(id as Digest))).toBe(id);
    expect(config).toMatchObject({
      architecture: 'amd64', os: 'linux', created: rec.created, comment: 'Imported from -',
      config: { Cmd: ['sh'], Env: ['PATH=/bin'], Labels: { a: 'b' } }, rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: rec.created, comment: 'Imported from -' }],
    });
    const layer = sha('rootfs-A');
    const manifests = [];
    for (const d of await content.names()) {
      const text = (await content.readBytes(d as Digest)).toString();
      if (text.includes('schemaVersion')) manifests.push(JSON.parse(text));
    }
    expect(manifests).toEqual([{
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: expect.any(Number) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 8 }],
    }]);
    expect([...snaps.snaps.keys()]).toEqual([diffId]);
    expect(await fs.readFile(path.join(await snaps.upperDir(diffId), 'layer.txt'), 'utf8')).toBe('rootfs-A');
    expect(events.map((e) => [e[0], e[2].name])).toEqual([['import', id], ['tag', 'x:1']]);
    // Survives a restart of the store.
    expect((await ImageStore.open(path.join(root, 'meta'))).lookupReference((await import('./reference.js')).parseReference('x:1'))).toBe(id);
  });

  it('detects gzip layers, uses the message and the requested platform', async () => {
    const { id } = await imp(gzipSync('rootfs-Z'), { message: 'hello', platform: 'linux/arm64' });
    const rec = await svc.inspect(id);
    expect(rec).toMatchObject({ comment: 'hello', architecture: 'arm64', repoTags: [], diffIds: [sha('rootfs-Z')] });
    const m = (await Promise.all((await content.names()).map((d) => content.readBytes(d as Digest)))).map(String).find((t) => t.includes('schemaVersion'));
    expect(JSON.parse(m!).layers[0].mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('leaves nothing behind for a hostile tar', async () => {
    await rejectsWith(imp('HOSTILE ../../etc/passwd', { repo: 'evil' }), 'INVALID_ARGUMENT', /escapes/);
    expect(await content.names()).toEqual([]);
    expect(snaps.snaps.size).toBe(0);
    expect(store.list()).toEqual([]);
    expect(await fs.readdir(path.join(root, 'snaps'))).toEqual([]);
  });

  it('rolls back a failure after the commit', async () => {
    content.failWrites = true;
    await rejectsWith(imp('rootfs-A', { repo: 'x' }), 'UNAVAILABLE', 'disk on fire');
    expect(await content.names()).toEqual([]);
    expect(snaps.snaps.size).toBe(0);
    expect(store.list()).toEqual([]);
  });

  it('validates options before consuming the stream', async () => {
    await rejectsWith(imp('rootfs-A', { changes: ['RUN x'] }), 'INVALID_ARGUMENT', 'run is not a valid change command');
    await rejectsWith(imp('rootfs-A', { repo: 'Bad' }), 'INVALID_ARGUMENT', /must be lowercase/);
    await rejectsWith(imp('rootfs-A', { platform: 'windows/amd64' }), 'INVALID_ARGUMENT', /cannot be used/);
    expect(await content.names()).toEqual([]);
  });

  it('honours an aborted signal and cleans up', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(imp('rootfs-A', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(await content.names()).toEqual([]);
    expect(snaps.snaps.size).toBe(0);
  });

  it('reuses the snapshot of an identical layer', async () => {
    const a = await imp('same', { repo: 'a' });
    const b = await imp('same', { repo: 'b' });
    expect(a.id).not.toBe(b.id);
    expect([...snaps.snaps.keys()]).toEqual([sha('same')]);
    expect(await svc.remove('a')).toEqual([{ untagged: 'a:latest' }, { deleted: a.id }]);
    expect(snaps.snaps.size).toBe(1);
    expect(await content.has(sha('same'))).toBe(true);
    expect(await svc.remove('b')).toEqual([{ untagged: 'b:latest' }, { deleted: b.id }, { deleted: sha('same') }]);
    expect(snaps.snaps.size).toBe(0);
    expect(await content.names()).toEqual([]);
  });

  it('keeps a shared layer alive when a concurrent import of it fails', async () => {
    const results = await Promise.allSettled([
      imp('same', { repo: 'a' }),
      imp('same', { repo: 'b', changes: ['LABEL x=1'] }),
      imp('HOSTILE', { repo: 'c' }),
      imp('same', { repo: 'd' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect([...snaps.snaps.keys()]).toEqual([sha('same')]);
    expect(store.list()).toHaveLength(3);
    expect(await content.has(sha('same'))).toBe(true);
    expect(await content.has(sha('HOSTILE'))).toBe(false);
  });

  it('moves a tag and leaves the old image dangling', async () => {
    const a = await imp('A', { repo: 'x' });
    const b = await imp('B', { repo: 'x' });
    expect((await svc.inspect(a.id)).repoTags).toEqual([]);
    expect((await svc.inspect('x')).id).toBe(b.id);
    const list = await svc.list();
    expect(list.map((i) => [i.id, i.repoTags])).toEqual([[b.id, ['x:latest']], [a.id, []]]);
  });
});

describe('LocalImageService lookups, tags, list, history', () => {
  it('resolves ids, prefixes and references like Docker', async () => {
    const { id } = await imp('A', { repo: 'busybox' });
    const hex = id.slice(7);
    for (const s of [id, hex, hex.slice(0, 1), `sha256:${hex.slice(0, 5)}`, 'busybox', 'busybox:latest', 'docker.io/library/busybox:latest']) {
      expect((await svc.resolve(s)).id, s).toBe(id);
    }
    await rejectsWith(svc.resolve('nope'), 'NOT_FOUND', /^No such image: nope:latest$/);
    await rejectsWith(svc.resolve('f'.repeat(64)), 'NOT_FOUND', `No such image: sha256:${'f'.repeat(64)}`);
    await rejectsWith(svc.resolve('Bad'), 'INVALID_ARGUMENT', /must be lowercase/);
  });

  it('treats an ambiguous prefix as missing', async () => {
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push((await imp(`L${i}`)).id.slice(7));
    const first = ids[0][0];
    expect(ids.filter((x) => x[0] === first).length).toBeGreaterThan(1);
    await rejectsWith(svc.resolve(first), 'NOT_FOUND', `No such image: ${first}:latest`);
  });

  it('tags and validates tags', async () => {
    const { id } = await imp('A');
    await svc.tag(id.slice(7, 15), '127.0.0.1:5000/a/b', 'v1');
    await svc.tag(id, 'plain');
    expect((await svc.inspect(id)).repoTags).toEqual(['127.0.0.1:5000/a/b:v1', 'plain:latest']);
    expect(events.filter((e) => e[0] === 'tag').map((e) => e[2].name)).toEqual(['127.0.0.1:5000/a/b:v1', 'plain:latest']);
    await rejectsWith(svc.tag('nope', 'x'), 'NOT_FOUND', 'No such image: nope:latest');
    await rejectsWith(svc.tag(id, 'x', 'bad tag'), 'INVALID_ARGUMENT', 'invalid tag format');
  });

  it('filters the list', async () => {
    const a = await imp('A', { repo: 'busybox', tag: '1', changes: ['LABEL team=red tier=1'] });
    const b = await imp('B', { repo: 'busybox', tag: '2', changes: ['LABEL team=blue'] });
    await svc.tag(b.id, 'other');
    const c = await imp('C');
    const ids = async (f: Parameters<LocalImageService['list']>[0]) => (await svc.list(f)).map((i) => i.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ references: ['busybox:*'] })).toEqual([b.id, a.id]);
    expect((await svc.list({ references: ['busybox'] })).find((i) => i.id === b.id)?.repoTags).toEqual(['busybox:2']);
    expect(await ids({ references: ['oth*'] })).toEqual([b.id]);
    expect(await ids({ labels: ['team'] })).toEqual([b.id, a.id]);
    expect(await ids({ labels: ['team=red', 'tier'] })).toEqual([a.id]);
    expect(await ids({ dangling: true })).toEqual([c.id]);
    expect(await ids({ dangling: false })).toEqual([b.id, a.id]);
    expect(await ids({ before: 'other' })).toEqual([a.id]);
    expect(await ids({ since: 'busybox:1' })).toEqual([c.id, b.id]);
    await rejectsWith(svc.list({ since: 'nope' }), 'NOT_FOUND', 'No such image: nope:latest');
    await rejectsWith(svc.list({ references: ['[' ] }), 'INVALID_ARGUMENT', 'syntax error in pattern');
  });

  it('builds the history', async () => {
    const { id } = await imp('rootfs', { repo: 'h', message: 'msg' });
    const h = await svc.history('h');
    expect(h).toEqual([{ id, created: Math.floor(clock / 1000) - 1, createdBy: '', tags: ['h:latest'], size: 6, comment: 'msg' }]);
    // Older entries are <missing>, empty layers have size 0.
    const img = store.get(id as Digest)!;
    await store.put({ ...img, history: [{ created: img.created, comment: 'base' }, { created: img.created, createdBy: 'CMD x', emptyLayer: true }] });
    expect((await svc.history(id)).map((e) => [e.id, e.size, e.createdBy])).toEqual([[id, 0, 'CMD x'], ['<missing>', 6, '']]);
  });

  it('reports usage', async () => {
    await imp('AAAA');
    await imp('BB');
    expect(await svc.usage()).toEqual({ images: 2, bytes: 6 });
  });
});

describe('LocalImageService.remove', () => {
  it('takes a build\'s untagged parents along, stopping at a tagged one (unless noPrune)', async () => {
    const { id: base } = await imp('A', { repo: 'base' });
    const img = store.get(base as Digest)!;
    const mid = sha('mid'), top = sha('top'), top2 = sha('top2');
    await store.put({ ...img, id: mid, parent: base });
    await store.put({ ...img, id: top, parent: mid });
    await svc.tag(top, 'app');
    expect((await svc.list()).map((i) => i.id).sort()).toEqual([base, top].sort());
    expect(await svc.remove('app')).toEqual([{ untagged: 'app:latest' }, { deleted: top }, { deleted: mid }]);
    expect(store.get(base as Digest)).toBeDefined();
    await store.put({ ...img, id: mid, parent: base });
    await store.put({ ...img, id: top2, parent: mid });
    await svc.tag(top2, 'app2');
    expect(await svc.remove('app2', { noPrune: true })).toEqual([{ untagged: 'app2:latest' }, { deleted: top2 }]);
    expect(store.get(mid)).toBeDefined();
  });

  it('untags while other references remain', async () => {
    const { id } = await imp('A', { repo: 'x' });
    await svc.tag(id, 'y');
    expect(await svc.remove('x')).toEqual([{ untagged: 'x:latest' }]);
    expect((await svc.inspect(id)).repoTags).toEqual(['y:latest']);
    expect(events.at(-1)?.[0]).toBe('untag');
  });

  it('refuses to delete by id an image with several references unless forced', async () => {
    const { id } = await imp('A', { repo: 'x' });
    await svc.tag(id, 'y');
    await rejectsWith(svc.remove(id.slice(7, 19)), 'CONFLICT',
      `conflict: unable to delete ${id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    expect(await svc.remove(id.slice(7, 19), { force: true })).toEqual([
      { untagged: 'x:latest' }, { untagged: 'y:latest' }, { deleted: id }, { deleted: sha('A') },
    ]);
    expect(store.list()).toEqual([]);
    expect(await content.names()).toEqual([]);
  });

  it('deletes by id a singly tagged image', async () => {
    const { id } = await imp('A', { repo: 'x' });
    expect(await svc.remove(id)).toEqual([{ untagged: 'x:latest' }, { deleted: id }, { deleted: sha('A') }]);
    expect(events.map((e) => e[0]).slice(-2)).toEqual(['untag', 'delete']);
    await rejectsWith(svc.remove(id), 'NOT_FOUND', 'No such image');
  });

  it('protects images used by containers', async () => {
    const { id } = await imp('A', { repo: 'busybox' });
    const short = id.slice(7, 19);
    users.set(id, { containerId: 'c'.repeat(64), running: false });
    await rejectsWith(svc.remove('busybox'), 'CONFLICT',
      `conflict: unable to remove repository reference "busybox" (must force) - container cccccccccccc is using its referenced image ${short}`);
    await rejectsWith(svc.remove(id), 'CONFLICT', `conflict: unable to delete ${short} (must be forced) - image is being used by stopped container cccccccccccc`);
    users.set(id, { containerId: 'c'.repeat(64), running: true });
    await rejectsWith(svc.remove(id, { force: true }), 'CONFLICT',
      `conflict: unable to delete ${short} (cannot be forced) - image is being used by running container cccccccccccc`);
    // Forced untag of a running container's image: the tag goes, the image stays dangling.
    expect(await svc.remove('busybox', { force: true })).toEqual([{ untagged: 'busybox:latest' }]);
    expect((await svc.inspect(id)).repoTags).toEqual([]);
    // Stopped container + force: the record goes, its rootfs keeps the snapshot alive.
    users.set(id, { containerId: 'c'.repeat(64), running: false });
    await snaps.prepare('ctr', sha('A'));
    expect(await svc.remove(id, { force: true })).toEqual([{ deleted: id }]);
    expect(await snaps.exists(sha('A'))).toBe(true);
  });

  it('drops digest references of the same repository with its last tag', async () => {
    const { id } = await imp('A', { repo: 'x' });
    const { parseReference } = await import('./reference.js');
    const dg = `sha256:${'d'.repeat(64)}` as Digest;
    await store.addReference(parseReference(`x@${dg}`), id as Digest);
    await store.addReference(parseReference('y:1'), id as Digest);
    expect(await svc.remove('x')).toEqual([{ untagged: 'x:latest' }, { untagged: `x@${dg}` }]);
    expect((await svc.inspect(id)).repoTags).toEqual(['y:1']);
  });
});
