import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_OPTIONS_BYTES, OverlaySnapshotter } from './overlay-snapshotter.js';
import { isEngineError } from '../errors/engine-error.js';

async function code(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (err) { return isEngineError(err) ? err.code : `non-engine:${(err as Error).message}`; }
  return 'resolved';
}

describe('OverlaySnapshotter (metadata, no mounts)', () => {
  let root: string;
  let sn: OverlaySnapshotter;
  beforeEach(async () => {
    root = path.join(await fs.mkdtemp('/tmp/bt-sn-'), 'ov');
    sn = new OverlaySnapshotter(root);
  });
  afterEach(async () => { await fs.rm(path.dirname(root), { recursive: true, force: true }); });

  it('prepare/commit/stat/lowerDirs/remove follow the containerd vocabulary', async () => {
    const m1 = await sn.prepare('extract-1', null);
    const up1 = await sn.upperDir('extract-1');
    expect(m1).toEqual([{ type: 'bind', source: up1, options: ['rbind', 'rw'] }]);
    expect(up1).toMatch(new RegExp(`^${root}/snapshots/\\d+/fs$`));
    expect(await sn.stat('extract-1')).toMatchObject({ key: 'extract-1', kind: 'active', parent: null });

    await sn.commit('sha256:aaa', 'extract-1');
    expect(await sn.exists('extract-1')).toBe(false);
    expect(await sn.stat('sha256:aaa')).toMatchObject({ kind: 'committed', parent: null });
    expect(await sn.upperDir('sha256:aaa')).toBe(up1); // no copy
    await expect(fs.stat(path.join(path.dirname(up1), 'work'))).rejects.toThrow(/ENOENT/);

    await sn.prepare('extract-2', 'sha256:aaa');
    await sn.commit('sha256:bbb', 'extract-2');
    const up2 = await sn.upperDir('sha256:bbb');
    const [m] = await sn.prepare('ctr', 'sha256:bbb');
    const upC = await sn.upperDir('ctr');
    expect(m).toEqual({
      type: 'overlay',
      source: 'overlay',
      options: [`lowerdir=${up2}:${up1}`, `upperdir=${upC}`, `workdir=${path.join(path.dirname(upC), 'work')}`, 'redirect_dir=off', 'index=off', 'metacopy=off'],
    });
    expect(await sn.mounts('ctr')).toEqual([m]);
    expect(await sn.lowerDirs('ctr')).toEqual([up2, up1]);
    expect(await sn.lowerDirs('sha256:bbb')).toEqual([up1]);

    const all: string[] = [];
    for await (const i of sn.walk()) all.push(`${i.key}:${i.kind}:${i.parent}`);
    expect(all.sort()).toEqual(['ctr:active:sha256:bbb', 'sha256:aaa:committed:null', 'sha256:bbb:committed:sha256:aaa']);

    expect(await code(sn.remove('sha256:aaa'))).toBe('FAILED_PRECONDITION');
    expect(await code(sn.remove('sha256:bbb'))).toBe('FAILED_PRECONDITION');
    await sn.remove('ctr');
    await sn.remove('sha256:bbb');
    await sn.remove('sha256:aaa');
    expect(await fs.readdir(path.join(root, 'snapshots'))).toEqual([]);
  });

  it('maps errors to codes', async () => {
    expect(await code(sn.stat('nope'))).toBe('NOT_FOUND');
    expect(await code(sn.prepare('k', 'missing-parent'))).toBe('NOT_FOUND');
    await sn.prepare('k', null);
    expect(await code(sn.prepare('k', null))).toBe('ALREADY_EXISTS');
    expect(await code(sn.prepare('k2', 'k'))).toBe('FAILED_PRECONDITION'); // parent must be committed
    await sn.prepare('k3', null);
    await sn.commit('n', 'k');
    expect(await code(sn.commit('n', 'k3'))).toBe('ALREADY_EXISTS');
    expect(await code(sn.commit('n2', 'n'))).toBe('FAILED_PRECONDITION');
    expect(await code(sn.mounts('n'))).toBe('FAILED_PRECONDITION');
    expect(await code(sn.remove('nope'))).toBe('NOT_FOUND');
    expect(() => new OverlaySnapshotter('/tmp/a:b')).toThrow(/without ','/);
  });

  it('serializes concurrent mutations and persists them for a new instance', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => sn.prepare(`c${i}`, null)));
    await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? sn.commit(`n${i}`, `c${i}`) : sn.remove(`c${i}`))));
    const fresh = new OverlaySnapshotter(root);
    const keys: string[] = [];
    for await (const i of fresh.walk()) keys.push(i.key);
    expect(keys.sort()).toEqual(Array.from({ length: 12 }, (_, j) => `n${2 * j + 1}`).sort());
    const dirs = await fs.readdir(path.join(root, 'snapshots'));
    expect(dirs.length).toBe(12);
    const ids = new Set(await Promise.all(keys.map((k) => fresh.upperDir(k))));
    expect(ids.size).toBe(12);
  });

  it('removes unreferenced numeric dirs (crash leftovers) on load', async () => {
    await sn.prepare('keep', null);
    await fs.mkdir(path.join(root, 'snapshots', '999', 'fs'), { recursive: true });
    const fresh = new OverlaySnapshotter(root);
    expect(await fresh.exists('keep')).toBe(true);
    expect(await fs.readdir(path.join(root, 'snapshots'))).toEqual([path.basename(path.dirname(await fresh.upperDir('keep')))]);
  });

  it('usage counts the snapshot\'s own files, hardlinks once', async () => {
    await sn.prepare('u', null);
    const up = await sn.upperDir('u');
    const base = await sn.usage('u');
    await fs.writeFile(path.join(up, 'a'), Buffer.alloc(64 * 1024, 1));
    await fs.link(path.join(up, 'a'), path.join(up, 'b'));
    const after = await sn.usage('u');
    expect(after.inodes).toBe(base.inodes + 1);
    expect(after.bytes - base.bytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(after.bytes - base.bytes).toBeLessThan(2 * 64 * 1024);
  });

  it(`fails with FAILED_PRECONDITION "too many layers" once options exceed ${MAX_OPTIONS_BYTES} bytes`, async () => {
    let parent: string | null = null;
    let depth = 0;
    for (; depth < 400; depth++) {
      try {
        await sn.prepare(`k${depth}`, parent);
      } catch (err) {
        expect(isEngineError(err) && err.code).toBe('FAILED_PRECONDITION');
        expect((err as Error).message).toMatch(/too many layers/);
        break;
      }
      await sn.commit(`l${depth}`, `k${depth}`);
      parent = `l${depth}`;
    }
    expect(depth).toBeGreaterThan(50);
    expect(depth).toBeLessThan(400);
    expect(await sn.exists(`k${depth}`)).toBe(false);
    expect((await fs.readdir(path.join(root, 'snapshots'))).length).toBe(depth);
  });
});
