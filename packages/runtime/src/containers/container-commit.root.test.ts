/**
 * `docker diff` + `docker commit` machinery on real stores: a base image imported through
 * LocalImageService, a container snapshot on it mounted with overlayfs and changed (add, modify,
 * delete, replace a dir by an opaque one), then the upper dir classified, packed and committed; the
 * new image's merged view must equal what the container saw.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLayer } from '../archive/apply-layer.js';
import { LocalContentStore } from '../content/local-content-store.js';
import { ImageStore } from '../images/image-store.js';
import { LocalImageService } from '../images/local-image-service.js';
import { LinuxMounter } from '../snapshots/linux-mounter.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { upperChanges } from './container-changes.js';
import { packUpper } from './layer-pack.js';
import { isRuntimeMountpoint, scanUpper } from './upper-scan.js';

let root: string;
let snapshotter: OverlaySnapshotter;
let svc: LocalImageService;
const mounter = new LinuxMounter();
const mnt = (n: string) => path.join(root, n);

function baseTar(): Readable {
  const p = tarPack();
  const dir = (name: string) => p.entry({ name, type: 'directory', mode: 0o755 });
  const file = (name: string, body: string) => p.entry({ name, mode: 0o644 }, body);
  dir('etc'); file('etc/group', 'root:x:0:\n'); file('etc/keep', 'keep\n');
  dir('bin'); file('bin/vi', 'vi\n'); file('bin/ls', 'ls\n');
  dir('data'); file('data/old1', 'o1\n'); dir('data/sub'); file('data/sub/old2', 'o2\n');
  p.finalize();
  return Readable.from(p);
}

beforeAll(async () => {
  root = await fs.mkdtemp('/tmp/bt-cm-');
  const content = new LocalContentStore(path.join(root, 'content'));
  snapshotter = new OverlaySnapshotter(path.join(root, 'overlay'));
  const store = await ImageStore.open(path.join(root, 'image'));
  svc = new LocalImageService({ content, snapshotter, store, applyLayer, inUse: async () => undefined });
});

afterAll(async () => {
  for (const m of ['c', 'v']) await mounter.unmount(mnt(m)).catch(() => undefined);
  await fs.rm(root, { recursive: true, force: true });
});

describe('diff + commit of a container snapshot', () => {
  it('classifies the changes and commits them into an image with the same merged view', async () => {
    const { id: baseId } = await svc.importTar(baseTar(), { repo: 'base' });
    const base = await svc.inspect(baseId);
    await snapshotter.prepare('ctr', base.chainId);
    await mounter.mount(await snapshotter.mounts('ctr'), mnt('c'));
    const c = mnt('c');
    await fs.writeFile(path.join(c, 'added.txt'), 'x\n');
    await fs.appendFile(path.join(c, 'etc/group'), 'y:x:1:\n');
    await fs.rm(path.join(c, 'bin/vi'));
    await fs.mkdir(path.join(c, 'newdir'));
    // rm -rf + mkdir of a lower dir makes overlayfs mark it opaque.
    await fs.rm(path.join(c, 'data'), { recursive: true });
    await fs.mkdir(path.join(c, 'data'));
    await fs.writeFile(path.join(c, 'data/new'), 'n\n');
    await fs.link(path.join(c, 'data/new'), path.join(c, 'data/new-link'));
    await fs.symlink('/etc/group', path.join(c, 'grp'));
    await fs.writeFile(path.join(c, 'etc/hosts'), ''); // looks like runc's bind target: ignored
    await mounter.unmount(c);

    const upper = await snapshotter.upperDir('ctr');
    const changes = await upperChanges(upper, await snapshotter.lowerDirs('ctr'));
    expect(changes).toEqual([
      { path: '/added.txt', kind: 1 },
      { path: '/bin', kind: 0 },
      { path: '/bin/vi', kind: 2 },
      { path: '/data', kind: 0 },
      { path: '/data/new', kind: 1 },
      { path: '/data/new-link', kind: 1 },
      { path: '/etc', kind: 0 },
      { path: '/etc/group', kind: 0 },
      { path: '/grp', kind: 1 },
      { path: '/newdir', kind: 1 },
    ]);

    const entries = (await scanUpper(upper)).filter((e) => !isRuntimeMountpoint(e));
    expect(entries.find((e) => e.path === '/data')?.opaque).toBe(true);
    const { id } = await svc.commitLayer({
      parentId: baseId, layer: packUpper(upper, entries), config: { cmd: ['sh'] }, author: 'me', comment: 'c1',
      container: 'ctr-id', createdBy: 'sh -c x', repo: 'committed', tag: 'v1',
    });
    const img = await svc.inspect('committed:v1');
    expect(img.id).toBe(id);
    expect(img.container).toBe('ctr-id');
    expect(img.diffIds).toHaveLength(2);
    expect(img.diffIds[0]).toBe(base.diffIds[0]);
    expect(img.parent).toBe(baseId);
    expect(img.history.at(-1)).toMatchObject({ createdBy: 'sh -c x', author: 'me', comment: 'c1' });

    await snapshotter.prepare('view', img.chainId);
    await mounter.mount(await snapshotter.mounts('view'), mnt('v'));
    const v = mnt('v');
    const read = (p: string) => fs.readFile(path.join(v, p), 'utf8');
    const exists = (p: string) => fs.lstat(path.join(v, p)).then(() => true, () => false);
    expect(await read('added.txt')).toBe('x\n');
    expect(await read('etc/group')).toBe('root:x:0:\ny:x:1:\n');
    expect(await read('etc/keep')).toBe('keep\n');
    expect(await exists('bin/vi')).toBe(false);
    expect(await read('bin/ls')).toBe('ls\n');
    expect((await fs.stat(path.join(v, 'newdir'))).isDirectory()).toBe(true);
    expect((await fs.readdir(path.join(v, 'data'))).sort()).toEqual(['new', 'new-link']);
    const [a, b] = await Promise.all([fs.stat(path.join(v, 'data/new')), fs.stat(path.join(v, 'data/new-link'))]);
    expect(a.ino).toBe(b.ino);
    expect(await fs.readlink(path.join(v, 'grp'))).toBe('/etc/group');
    expect(await exists('etc/hosts')).toBe(false);
    await mounter.unmount(v);
    await snapshotter.remove('view');
  }, 30_000); // mounts + GNU tar: several seconds on a loaded CI machine
});
