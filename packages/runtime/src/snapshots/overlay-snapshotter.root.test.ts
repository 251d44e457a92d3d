import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OverlaySnapshotter } from './overlay-snapshotter.js';
import { LinuxMounter } from './linux-mounter.js';
import { applyLayer } from '../archive/apply-layer.js';
import { buildTar } from '../archive/tar-test-helpers.js';
import type { TestEntry } from '../archive/tar-test-helpers.js';
import { isEngineError } from '../errors/engine-error.js';

async function isMountPoint(p: string): Promise<boolean> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === p);
}

describe('OverlaySnapshotter + LinuxMounter (root)', () => {
  let tmp: string;
  let sn: OverlaySnapshotter;
  const mounter = new LinuxMounter();
  const targets: string[] = [];

  beforeEach(async () => {
    tmp = await fs.mkdtemp('/tmp/bt-ov-');
    sn = new OverlaySnapshotter(path.join(tmp, 'sn'));
  });
  afterEach(async () => {
    for (const t of targets.splice(0)) await mounter.unmount(t).catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function importLayer(key: string, name: string, parent: string | null, entries: TestEntry[]): Promise<void> {
    await sn.prepare(key, parent);
    const blob = path.join(tmp, `${key}.tar`);
    await fs.writeFile(blob, await buildTar(entries));
    await applyLayer(blob, await sn.upperDir(key));
    await sn.commit(name, key);
  }

  it('two layers with whiteouts + opaque dir: merged view, writes go to the upper dir, unmount, remove', async () => {
    await importLayer('x1', 'sha256:c1', null, [
      { name: 'etc/file1', content: 'v1\n' },
      { name: 'keep.txt', content: 'keep' },
      { name: 'data/del-me', content: 'bye' },
      { name: 'data/old/a', content: 'a' },
      { name: 'data/old/sub/deep', content: 'deep' },
      { name: 'lnk', type: 'symlink', linkname: 'etc/file1' },
    ]);
    await importLayer('x2', 'sha256:c2', 'sha256:c1', [
      { name: 'etc/file1', content: 'v2\n' },
      { name: '.wh.keep.txt' },
      { name: 'data/.wh.del-me' },
      { name: 'data/old/.wh..wh..opq' },
      { name: 'data/old/c', content: 'c' },
      { name: 'l2.txt', content: 'l2' },
    ]);

    const mounts = await sn.prepare('ctr', 'sha256:c2');
    expect(mounts[0]!.type).toBe('overlay');
    const target = path.join(tmp, 'm');
    targets.push(target);
    await mounter.mount(mounts, target);
    expect(await isMountPoint(target)).toBe(true);

    expect(await fs.readFile(path.join(target, 'etc/file1'), 'utf8')).toBe('v2\n');
    expect(await fs.readFile(path.join(target, 'lnk'), 'utf8')).toBe('v2\n');
    expect((await fs.readdir(target)).sort()).toEqual(['data', 'etc', 'l2.txt', 'lnk']);
    expect(await fs.readdir(path.join(target, 'data'))).toEqual(['old']);
    expect(await fs.readdir(path.join(target, 'data/old'))).toEqual(['c']);

    await fs.writeFile(path.join(target, 'newfile'), 'n');
    await fs.rm(path.join(target, 'l2.txt'));
    const upper = await sn.upperDir('ctr');
    expect(await fs.readFile(path.join(upper, 'newfile'), 'utf8')).toBe('n');
    const wh = await fs.lstat(path.join(upper, 'l2.txt'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(await fs.readFile(path.join(await sn.upperDir('sha256:c2'), 'l2.txt'), 'utf8')).toBe('l2'); // lower untouched

    await mounter.unmount(target);
    expect(await isMountPoint(target)).toBe(false);
    await mounter.unmount(target); // idempotent
    await mounter.unmount(path.join(tmp, 'never-existed'));

    const err = await sn.remove('sha256:c2').catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('FAILED_PRECONDITION');
    await sn.remove('ctr');
    await sn.remove('sha256:c2');
    await sn.remove('sha256:c1');
    expect(await fs.readdir(path.join(tmp, 'sn', 'snapshots'))).toEqual([]);
  });

  it('a snapshot without parent is a writable bind mount of its own dir', async () => {
    const mounts = await sn.prepare('solo', null);
    const target = path.join(tmp, 'b');
    targets.push(target);
    await mounter.mount(mounts, target);
    await fs.writeFile(path.join(target, 'x'), 'bound');
    expect(await fs.readFile(path.join(await sn.upperDir('solo'), 'x'), 'utf8')).toBe('bound');
    await mounter.unmount(target);
    expect(await isMountPoint(target)).toBe(false);
    expect(await fs.readdir(target)).toEqual([]);
  });

  it('the deepest chain prepare() accepts still mounts (option limit is below the kernel page)', async () => {
    let parent: string | null = null;
    let depth = 0;
    for (;; depth++) {
      try {
        await sn.prepare(`k${depth}`, parent);
      } catch {
        break;
      }
      await fs.writeFile(path.join(await sn.upperDir(`k${depth}`), `f${depth}`), String(depth));
      await sn.commit(`l${depth}`, `k${depth}`);
      parent = `l${depth}`;
    }
    // k{depth-1} was the deepest accepted; an active snapshot on l{depth-2} has the same option length.
    const mounts = await sn.prepare('top', `l${depth - 2}`);
    expect(mounts[0]!.options.join(',').length).toBeGreaterThan(3000);
    const target = path.join(tmp, 'deep');
    targets.push(target);
    await mounter.mount(mounts, target);
    expect((await fs.readdir(target)).length).toBe(depth - 1);
    expect(await fs.readFile(path.join(target, 'f0'), 'utf8')).toBe('0');
    await mounter.unmount(target);
  });

  it('a failed mount leaves nothing mounted and reports INTERNAL', async () => {
    const target = path.join(tmp, 'bad');
    const err = await mounter.mount([{ type: 'overlay', source: 'overlay', options: [`lowerdir=${tmp}/missing`, `upperdir=${tmp}/u`, `workdir=${tmp}/w`] }], target)
      .catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('INTERNAL');
    expect(await isMountPoint(target)).toBe(false);
  });
});
