/**
 * Pull, push, save and load through a real LocalImageService (content store, overlay snapshotter,
 * GNU-tar applyLayer) against the in-memory FakeRegistry. Bad input (security notes T08–T11, T37)
 * must fail with a clear error and leave no tag, no blob and no snapshot behind.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyLayer } from '../archive/apply-layer.js';
import { LocalContentStore } from '../content/local-content-store.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { digestOf, FakeRegistry, publishImage } from '../registry/registry-test-helpers.js';
import type { ProgressEvent } from './distribution-types.js';
import { ImageStore } from './image-store.js';
import { LocalImageService } from './local-image-service.js';

let root: string;
let content: LocalContentStore;
let snapshotter: OverlaySnapshotter;
let svc: LocalImageService;
let reg: FakeRegistry;
const http = { headerTimeoutMs: 15_000, bodyIdleTimeoutMs: 15_000, backoffMs: 5, maxDelayMs: 50 };

async function drain(it: AsyncIterable<ProgressEvent>): Promise<ProgressEvent[]> {
  const out: ProgressEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function state(): Promise<{ blobs: number; snapshots: number; images: number }> {
  let blobs = 0;
  for await (const _ of content.list()) blobs++;
  let snapshots = 0;
  for await (const _ of snapshotter.walk()) snapshots++;
  return { blobs, snapshots, images: (await svc.list()).length };
}

beforeAll(async () => {
  root = await fs.mkdtemp('/tmp/bt-pull-');
  content = new LocalContentStore(path.join(root, 'content'));
  snapshotter = new OverlaySnapshotter(path.join(root, 'overlay'));
  const store = await ImageStore.open(path.join(root, 'image'));
  svc = new LocalImageService({ content, snapshotter, store, applyLayer, inUse: async () => undefined }, { http });
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  for (const img of await svc.list()) await svc.remove(img.id, { force: true });
  await reg?.close();
});

describe('pull', { timeout: 60_000 }, () => {
  it('pulls by tag and by digest: layers unpacked in order, tag and repo digest recorded', async () => {
    reg = await new FakeRegistry().start();
    const img = await publishImage(reg, 'team/app', 'v1', [{ 'a.txt': 'one', 'b.txt': 'base' }, { 'a.txt': 'two' }]);
    const events = await drain(svc.pull(`${reg.host}/team/app:v1`));
    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toBe(`Pulling from ${reg.host}/team/app`);
    expect(statuses).toContain('Pull complete');
    expect(statuses).toContain(`Digest: ${img.manifestDigest}`);
    expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${reg.host}/team/app:v1`);
    const rec = await svc.inspect(`${reg.host}/team/app:v1`);
    expect(rec.id).toBe(img.configDigest);
    expect(rec.diffIds).toEqual(img.diffIds);
    expect(rec.repoDigests).toEqual([`${reg.host}/team/app@${img.manifestDigest}`]);
    const top = await snapshotter.upperDir(rec.chainId!);
    expect(await fs.readFile(path.join(top, 'a.txt'), 'utf8')).toBe('two');
    // Again: nothing downloaded, up to date.
    const n = reg.count('GET', '/blobs/');
    const again = await drain(svc.pull(`${reg.host}/team/app:v1`));
    expect(again.at(-1)?.status).toBe(`Status: Image is up to date for ${reg.host}/team/app:v1`);
    expect(reg.count('GET', '/blobs/')).toBe(n);
    await svc.remove(rec.id, { force: true });
    await drain(svc.pull(`${reg.host}/team/app@${img.manifestDigest}`));
    expect((await svc.inspect(`${reg.host}/team/app@${img.manifestDigest}`)).id).toBe(img.configDigest);
  });

  it('follows an index to the host platform; refuses an index that points to itself', async () => {
    reg = await new FakeRegistry().start();
    const img = await publishImage(reg, 'multi', 'inner', [{ f: 'x' }]);
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf('nope'), size: 3, platform: { os: 'linux', architecture: 'riscv64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, platform: { os: 'linux', architecture: 'arm64' } },
      ],
    }));
    const indexDigest = reg.putManifest('multi', 'v1', index, 'application/vnd.oci.image.index.v1+json');
    await drain(svc.pull(`${reg.host}/multi:v1`));
    expect((await svc.inspect(`${reg.host}/multi:v1`)).repoDigests).toEqual([`${reg.host}/multi@${indexDigest}`]);
    const self = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: digestOf('x'), size: 1, platform: { os: 'linux', architecture: 'amd64' } }] }));
    reg.putManifest('loop', 'v1', self, 'application/vnd.oci.image.index.v1+json');
    await expect(drain(svc.pull(`${reg.host}/loop:v1`))).rejects.toThrow(/points to another index/);
  });

  it('a missing image is NOT_FOUND before any progress', async () => {
    reg = await new FakeRegistry().start();
    const it = svc.pull(`${reg.host}/nosuch:latest`)[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 'NOT_FOUND', message: `manifest for ${reg.host}/nosuch:latest not found: manifest unknown: manifest unknown` });
  });

  it('T08/T09/T10: digest mismatch, diff_id mismatch and size lies fail and leave nothing behind', async () => {
    reg = await new FakeRegistry().start();
    const before = await state();
    // T08: the registry serves other bytes for the layer digest.
    const a = await publishImage(reg, 'bad/digest', 'v1', [{ f: 'x' }]);
    reg.blobs.set(digestOf(a.layers[0]!), Buffer.concat([a.layers[0]!.subarray(0, -1), Buffer.from([a.layers[0]!.at(-1)! ^ 1])]));
    await expect(drain(svc.pull(`${reg.host}/bad/digest:v1`))).rejects.toThrow(/digest mismatch/);
    // T08 for the config.
    const c = await publishImage(reg, 'bad/config', 'v1', [{ f: 'y' }]);
    reg.blobs.set(c.configDigest, Buffer.from(c.config.toString().replace('"sh"', '"xx"')));
    await expect(drain(svc.pull(`${reg.host}/bad/config:v1`))).rejects.toThrow(/digest mismatch/);
    // T09: the config lists another diff_id.
    await publishImage(reg, 'bad/diffid', 'v1', [{ f: 'z' }], { diffIds: [digestOf('not the layer')] });
    await expect(drain(svc.pull(`${reg.host}/bad/diffid:v1`))).rejects.toThrow(/diff_id/);
    // T10: the manifest says fewer / more bytes than the blob has.
    await publishImage(reg, 'bad/size', 'v1', [{ f: 'w' }], { layerSize: 10 });
    await expect(drain(svc.pull(`${reg.host}/bad/size:v1`))).rejects.toThrow(/size mismatch|exceeds/);
    await publishImage(reg, 'bad/size2', 'v1', [{ f: 'v' }], { layerSize: 100000 });
    await expect(drain(svc.pull(`${reg.host}/bad/size2:v1`))).rejects.toThrow(/size mismatch/);
    expect(await state()).toEqual(before);
  });

  it('T37: ten parallel pulls download each blob once; rmi during a pull leaves a consistent store', async () => {
    reg = await new FakeRegistry().start();
    const img = await publishImage(reg, 'par', 'v1', [{ a: 'A'.repeat(100000) }, { b: 'B' }, { c: 'C' }]);
    const pulls = Array.from({ length: 10 }, () => drain(svc.pull(`${reg.host}/par:v1`)));
    await Promise.all(pulls);
    for (const l of img.layers) expect(reg.count('GET', `/blobs/${digestOf(l)}`)).toBe(1);
    expect(reg.count('GET', `/blobs/${img.configDigest}`)).toBe(1);
    await svc.remove(`${reg.host}/par:v1`);
    const left: string[] = [];
    for await (const b of content.list()) left.push(b.digest);
    expect({ left, s: await state() }).toEqual({ left: [], s: { blobs: 0, snapshots: 0, images: 0 } });
    // rmi racing a pull: either order ends with a whole image or none, never a partial one.
    const p = drain(svc.pull(`${reg.host}/par:v1`));
    await new Promise((r) => setTimeout(r, 20));
    await svc.remove(`${reg.host}/par:v1`).catch(() => undefined);
    await p;
    const s = await state();
    if (s.images === 1) {
      const rec = await svc.inspect(`${reg.host}/par:v1`);
      expect(await snapshotter.exists(rec.chainId!)).toBe(true);
      expect(s).toEqual({ images: 1, snapshots: 3, blobs: 5 });
    } else expect(s).toEqual({ images: 0, snapshots: 0, blobs: 0 });
  });
});

describe('push, save and load', { timeout: 60_000 }, () => {
  it('pushes a pulled image to another repository (mount), then save → load round trip', async () => {
    reg = await new FakeRegistry().start();
    const img = await publishImage(reg, 'src/app', 'v1', [{ f: 'pushed' }]);
    await drain(svc.pull(`${reg.host}/src/app:v1`));
    await svc.tag(`${reg.host}/src/app:v1`, `${reg.host}/dst/app`, 'v2');
    const events = await drain(svc.push(`${reg.host}/dst/app`, 'v2'));
    const statuses = events.map((e) => e.status);
    // The fake registry's blobs are global, so HEAD finds them (per-repo mounts: registry integration test).
    expect(statuses).toContain('Layer already exists');
    expect(statuses).toContain(`v2: digest: ${img.manifestDigest} size: ${img.manifest.length}`);
    expect(reg.manifests.get('dst/app:v2')?.body.equals(img.manifest)).toBe(true);
    expect(reg.count('PUT', '/upload/')).toBe(0);

    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const tar = svc.save([`${reg.host}/dst/app:v2`]);
    for await (const c of tar) chunks.push(c as Buffer);
    for (const i of await svc.list()) await svc.remove(i.id, { force: true });
    expect(await state()).toEqual({ blobs: 0, snapshots: 0, images: 0 });
    const { PassThrough: PT } = await import('node:stream');
    const src = new PT();
    src.end(Buffer.concat(chunks));
    const res = await svc.load(src);
    expect(res.messages).toEqual([`Loaded image: ${reg.host}/dst/app:v2`]);
    const rec = await svc.inspect(`${reg.host}/dst/app:v2`);
    expect(rec.id).toBe(img.configDigest);
    expect(await fs.readFile(path.join(await snapshotter.upperDir(rec.chainId!), 'f'), 'utf8')).toBe('pushed');
  });

  it('T38: a registry that fails every upload gets no manifest; the push fails cleanly', async () => {
    reg = await new FakeRegistry().start();
    await publishImage(reg, 'src/x', 'v1', [{ f: 'to push' }]);
    await drain(svc.pull(`${reg.host}/src/x:v1`));
    const dst = await new FakeRegistry().start();
    try {
      dst.intercept = (req, res) => {
        if (req.method !== 'PUT' || !req.url.startsWith('/upload/')) return false;
        res.writeHead(500);
        res.end('down');
        return true;
      };
      await svc.tag(`${reg.host}/src/x:v1`, `${dst.host}/dst/x`, 'v1');
      await expect(drain(svc.push(`${dst.host}/dst/x`, 'v1'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(dst.count('PUT', '/upload/')).toBe(3);
      expect(dst.count('PUT', '/manifests/')).toBe(0);
      expect(dst.manifests.size).toBe(0);
    } finally {
      await dst.close();
    }
  });

  it('loads the legacy layout (<id>/layer.tar, a symlinked duplicate layer, <cfg>.json)', async () => {
    const { makeTar } = await import('../registry/registry-test-helpers.js');
    const { pack } = await import('tar-stream');
    const layer = await makeTar({ 'legacy.txt': 'old format' });
    const diffId = digestOf(layer);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId, diffId] } }));
    const cfgName = `${digestOf(config).slice(7)}.json`;
    const p = pack();
    p.entry({ name: 'aaa/', type: 'directory' });
    p.entry({ name: 'aaa/layer.tar' }, layer);
    p.entry({ name: 'aaa/VERSION' }, '1.0');
    p.entry({ name: 'bbb/', type: 'directory' });
    p.entry({ name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' });
    p.entry({ name: cfgName }, config);
    p.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: cfgName, RepoTags: ['legacy/img:v1'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] }]));
    p.finalize();
    const res = await svc.load(p as unknown as import('node:stream').Readable);
    expect(res.messages).toEqual(['Loaded image: legacy/img:v1']);
    const rec = await svc.inspect('legacy/img:v1');
    expect(rec.diffIds).toEqual([diffId, diffId]);
    expect(await fs.readFile(path.join(await snapshotter.upperDir(rec.chainId!), 'legacy.txt'), 'utf8')).toBe('old format');
    // The VERSION file was ingested only as a key: nothing but the image's blobs stays.
    expect((await state()).blobs).toBe(3);
  });

  it('load refuses entry names that leave the archive', async () => {
    const { makeTar } = await import('../registry/registry-test-helpers.js');
    const bad = await makeTar({ '../evil': 'x', 'manifest.json': '[]' });
    const { PassThrough: PT } = await import('node:stream');
    const src = new PT();
    src.end(bad);
    await expect(svc.load(src)).rejects.toThrow(/points outside the archive/);
    expect((await state()).blobs).toBe(0);
    const { pack } = await import('tar-stream');
    const p = pack();
    p.entry({ name: 'x/layer.tar', type: 'symlink', linkname: '../../etc/passwd' });
    p.finalize();
    await expect(svc.load(p as unknown as import('node:stream').Readable)).rejects.toThrow(/points outside the archive/);
  });
});
