import { afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { materializeMounts, ociMounts, parseBind, planMounts, prepareMountTargets, tmpfsOptions } from './container-mounts.js';
import { LocalVolumeService } from '../volumes/volume-service.js';
import type { ContainerRecord, MountPoint } from './container-types.js';

const plan = (h: Parameters<typeof planMounts>[0]['hostConfig'], volumes: Record<string, Record<string, never>> = {}, from: Record<string, MountPoint[]> = {}) =>
  planMounts({ config: { volumes }, hostConfig: h, mountsOf: (r) => { if (!from[r]) throw new Error(`No such container: ${r}`); return from[r]!; } });

describe('parseBind', () => {
  it('absolute source is a bind; a name is a volume; one part is an anonymous volume', () => {
    expect(parseBind('/h:/c:ro')).toMatchObject({ type: 'bind', source: '/h', destination: '/c', rw: false, mode: 'ro', propagation: 'rprivate' });
    expect(parseBind('data:/d')).toMatchObject({ type: 'volume', name: 'data', destination: '/d', rw: true, copyUp: true });
    expect(parseBind('/d/')).toMatchObject({ type: 'volume', name: '', anonymous: true, destination: '/d' });
  });
  it('rejects invalid names, relative destinations, bad modes and "/"', () => {
    expect(() => parseBind('a/b:/x')).toThrow(/includes invalid characters for a local volume name/);
    expect(() => parseBind('v:rel')).toThrow(/must be absolute/);
    expect(() => parseBind('v:/x:bogus')).toThrow(/invalid mode/);
    expect(() => parseBind('v:/')).toThrow(/destination can't be '\/'/);
    expect(() => parseBind('a:b:c:d')).toThrow(/invalid volume specification/);
  });
});

describe('planMounts', () => {
  it('duplicate explicit mount points are a 400', () => {
    expect(() => plan({ binds: ['/a:/x'], tmpfs: { '/x': '' } })).toThrow(/Duplicate mount point: \/x/);
  });
  it('--mount objects, tmpfs defaults, image volumes yielding to explicit mounts', () => {
    const p = plan({
      mounts: [{ type: 'bind', source: '/h', target: '/m', readOnly: true }, { type: 'tmpfs', target: '/t', tmpfsSize: 1024 }],
      binds: ['v1:/data'],
    }, { '/data': {}, '/img': {} });
    expect(p.map((m) => [m.type, m.destination])).toEqual([['bind', '/data'], ['bind', '/m'], ['tmpfs', '/t'], ['volume', '/img']].map(([t, d]) => [t === 'bind' && d === '/data' ? 'volume' : t, d]));
    expect(p.find((m) => m.destination === '/t')!.options).toEqual(['noexec', 'nosuid', 'nodev', 'size=1024']);
    expect(p.find((m) => m.destination === '/img')).toMatchObject({ anonymous: true, copyUp: true });
    expect(() => plan({ mounts: [{ type: 'bind', source: 'rel', target: '/m' }] })).toThrow(/must be absolute/);
  });
  it('--volumes-from copies mounts with the requested mode and skips tmpfs', () => {
    const src: MountPoint[] = [
      { type: 'volume', name: 'abc', source: '/v/abc/_data', destination: '/s', rw: true, mode: '', propagation: '', anonymous: true, copyUp: true },
      { type: 'tmpfs', source: '', destination: '/t', rw: true, mode: '', propagation: '' },
    ];
    const p = plan({ volumesFrom: ['c1:ro'] }, {}, { c1: src });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ name: 'abc', rw: false });
    expect(p[0]!.copyUp).toBeUndefined();
    expect(() => plan({ volumesFrom: ['nope'] })).toThrow(/No such container/);
  });
  it('tmpfsOptions lifts defaults with exec/suid/dev', () => {
    expect(tmpfsOptions('exec,size=64m')).toEqual(['nosuid', 'nodev', 'size=64m']);
  });
});

describe('ociMounts', () => {
  it('binds get rbind+rprivate(+ro), parents sort before children, tmpfs keeps its options', () => {
    const ms: MountPoint[] = [
      { type: 'bind', source: '/h2', destination: '/a/b', rw: false, mode: 'ro', propagation: 'rprivate' },
      { type: 'volume', name: 'v', source: '/v/_data', destination: '/a', rw: true, mode: '', propagation: '' },
      { type: 'tmpfs', source: '', destination: '/t', rw: true, mode: '', propagation: '', options: ['noexec'] },
    ];
    expect(ociMounts(ms)).toEqual([
      { destination: '/a', type: 'bind', source: '/v/_data', options: ['rbind', 'rprivate'] },
      { destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['noexec'] },
      { destination: '/a/b', type: 'bind', source: '/h2', options: ['rbind', 'rprivate', 'ro'] },
    ]);
  });
});

describe('materialize + prepare targets (temp dirs)', () => {
  let dir = '';
  afterEach(async () => { if (dir) await fs.rm(dir, { recursive: true, force: true }); });

  it('creates volumes, missing -v host dirs, copies image content into an empty new volume, never escapes the root', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-m-'));
    const volumes = new LocalVolumeService({ root: path.join(dir, 'vols'), usedBy: () => [] });
    const rootfs = path.join(dir, 'root');
    await fs.mkdir(path.join(rootfs, 'img'), { recursive: true });
    await fs.writeFile(path.join(rootfs, 'img', 'f'), 'from-image');
    await fs.mkdir(path.join(dir, 'outside'));
    await fs.symlink('/../../outside', path.join(rootfs, 'evil'));
    const created: string[] = [];
    const mounts = await materializeMounts(plan({ binds: [`${dir}/hostnew:/h`, 'named:/img', '/evil/x'] }), volumes, created);
    expect((await fs.stat(path.join(dir, 'hostnew'))).isDirectory()).toBe(true);
    expect(created).toHaveLength(1);
    const rec = { mounts } as ContainerRecord;
    await prepareMountTargets(rootfs, rec);
    expect(await fs.readFile(path.join(dir, 'vols', 'named', '_data', 'f'), 'utf8')).toBe('from-image');
    expect(rec.mounts!.every((m) => !m.copyUp)).toBe(true);
    expect(await fs.readdir(path.join(dir, 'outside'))).toEqual([]);
    expect((await fs.stat(path.join(rootfs, 'outside', 'x'))).isDirectory()).toBe(true);
  });

  it('a failure removes the anonymous volumes it created', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-m-'));
    const volumes = new LocalVolumeService({ root: path.join(dir, 'vols'), usedBy: () => [] });
    const created: string[] = [];
    await expect(materializeMounts(plan({ binds: ['/anon'], mounts: [{ type: 'bind', source: `${dir}/missing`, target: '/m' }] }), volumes, created))
      .rejects.toThrow(/bind source path does not exist/);
    expect(await volumes.list()).toEqual([]);
  });
});
