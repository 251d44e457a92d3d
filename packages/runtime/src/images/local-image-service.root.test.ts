/**
 * Real import of a busybox rootfs through LocalContentStore + OverlaySnapshotter + applyLayer (GNU
 * tar, whiteouts), then the image lifecycle and a mount of a container snapshot built on the image.
 */
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLayer } from '../archive/apply-layer.js';
import { LocalContentStore } from '../content/local-content-store.js';
import { LinuxMounter } from '../snapshots/linux-mounter.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { run } from '../util/exec-file.js';
import type { Digest } from './image-types.js';
import { ImageStore } from './image-store.js';
import { LocalImageService } from './local-image-service.js';

let root: string;
let tarFile: string;
let content: LocalContentStore;
let snapshotter: OverlaySnapshotter;
let svc: LocalImageService;
const mounter = new LinuxMounter();
const mountpoint = () => path.join(root, 'mnt');

async function blobCount(): Promise<number> {
  let n = 0;
  for await (const _ of content.list()) n++;
  return n;
}

async function snapshotKeys(): Promise<string[]> {
  const out: string[] = [];
  for await (const s of snapshotter.walk()) out.push(s.key);
  return out;
}

beforeAll(async () => {
  root = await fs.mkdtemp('/tmp/bt-img-');
  const rootfs = path.join(root, 'R');
  await fs.mkdir(path.join(rootfs, 'bin'), { recursive: true });
  await fs.copyFile('/usr/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  await fs.chmod(path.join(rootfs, 'bin', 'busybox'), 0o755);
  await run('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  tarFile = path.join(root, 'rootfs.tar');
  await run('tar', ['-C', rootfs, '-cf', tarFile, '.']);
  content = new LocalContentStore(path.join(root, 'content'));
  snapshotter = new OverlaySnapshotter(path.join(root, 'overlay'));
  const store = await ImageStore.open(path.join(root, 'image'));
  svc = new LocalImageService({ content, snapshotter, store, applyLayer, inUse: async () => undefined });
});

afterAll(async () => {
  await mounter.unmount(mountpoint()).catch(() => undefined);
  await fs.rm(root, { recursive: true, force: true });
});

describe('LocalImageService (real stores)', () => {
  it('imports a busybox rootfs and manages it', async () => {
    const { id } = await svc.importTar(createReadStream(tarFile), { repo: 'busybox', tag: 'imported', changes: ['CMD ["sh"]'] });
    const rec = await svc.inspect('busybox:imported');
    expect(rec.id).toBe(id);
    expect(rec.config.cmd).toEqual(['sh']);
    expect(rec.chainId).toBe(rec.diffIds[0]);
    const busyboxSize = (await fs.stat('/usr/bin/busybox')).size;
    expect(rec.size).toBeGreaterThanOrEqual(busyboxSize);

    // The committed layer holds the files, symlinks included.
    const layer = await snapshotter.upperDir(rec.chainId!);
    expect((await fs.stat(path.join(layer, 'bin', 'busybox'))).size).toBe(busyboxSize);
    expect(await fs.readlink(path.join(layer, 'bin', 'sh'))).toBe('/bin/busybox');
    expect(await snapshotKeys()).toEqual([rec.chainId]);
    // layer + config + manifest
    expect(await blobCount()).toBe(3);

    // A container rootfs prepared from the image sees busybox.
    const mounts = await snapshotter.prepare('ctr-test', rec.chainId);
    await mounter.mount(mounts, mountpoint());
    try {
      expect((await fs.stat(path.join(mountpoint(), 'bin', 'busybox'))).isFile()).toBe(true);
    } finally {
      await mounter.unmount(mountpoint());
    }
    await snapshotter.remove('ctr-test');

    await svc.tag('busybox:imported', 'localhost:5000/bb', 'v1');
    const list = await svc.list({ references: ['busybox:*'] });
    expect(list.map((i) => [i.id, i.repoTags])).toEqual([[id, ['busybox:imported']]]);
    expect((await svc.history(id))[0]).toMatchObject({ id, comment: 'Imported from -', tags: ['busybox:imported', 'localhost:5000/bb:v1'] });

    expect(await svc.remove('busybox:imported')).toEqual([{ untagged: 'busybox:imported' }]);
    expect(await svc.remove('localhost:5000/bb:v1')).toEqual([
      { untagged: 'localhost:5000/bb:v1' }, { deleted: id }, { deleted: rec.chainId },
    ]);
    expect(await svc.list()).toEqual([]);
    expect(await snapshotKeys()).toEqual([]);
    expect(await blobCount()).toBe(0);
  });

  it('leaves nothing behind for a hostile tar', async () => {
    const p = tarPack();
    p.entry({ name: 'ok.txt' }, 'fine');
    p.entry({ name: '../escape.txt' }, 'evil');
    p.finalize();
    const tar = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      p.on('data', (c: unknown) => { chunks.push(c as Buffer); });
      p.on('end', () => resolve(Buffer.concat(chunks)));
      p.on('error', reject);
    });
    const err = await svc.importTar(Readable.from([tar]), { repo: 'evil' }).then(() => undefined, (e: unknown) => e);
    expect((err as { code?: string }).code).toBe('INVALID_ARGUMENT');
    await expect(fs.access(path.join(root, 'escape.txt'))).rejects.toThrow();
    expect(await svc.list()).toEqual([]);
    expect(await snapshotKeys()).toEqual([]);
    expect(await blobCount()).toBe(0);
    expect(await fs.readdir(path.join(root, 'overlay', 'snapshots'))).toEqual([]);
    await expect(svc.inspect('evil')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('ingests gzip input and records the compressed blob', async () => {
    const gz = path.join(root, 'rootfs.tar.gz');
    await run('sh', ['-c', `gzip -c ${tarFile} > ${gz}`]);
    const { id } = await svc.importTar(createReadStream(gz), {});
    const rec = await svc.inspect(id);
    expect(rec.repoTags).toEqual([]);
    const manifests: { layers: { mediaType: string }[] }[] = [];
    for await (const b of content.list()) {
      const text = (await content.readBytes(b.digest as Digest)).subarray(0, 200).toString();
      if (text.includes('"schemaVersion"')) manifests.push(JSON.parse((await content.readBytes(b.digest as Digest)).toString()));
    }
    expect(manifests.map((m) => m.layers[0].mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+gzip']);
    expect(await svc.remove(id)).toEqual([{ deleted: id }, { deleted: rec.chainId }]);
  });
});
