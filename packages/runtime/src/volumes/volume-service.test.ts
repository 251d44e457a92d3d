import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalVolumeService } from './volume-service.js';

describe('LocalVolumeService', () => {
  let dir = '';
  let used: Record<string, string[]> = {};
  let svc: LocalVolumeService;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-v-'));
    used = {};
    svc = new LocalVolumeService({ root: dir, usedBy: (n) => used[n] ?? [] });
  });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('create is idempotent, lays out <root>/<name>/_data and persists metadata', async () => {
    const a = await svc.create({ name: 'data', labels: { k: 'v' } });
    const b = await svc.create({ name: 'data' });
    expect(b).toEqual(a);
    expect(a).toMatchObject({ name: 'data', driver: 'local', mountpoint: path.join(dir, 'data', '_data'), anonymous: false });
    expect((await fs.stat(a.mountpoint)).isDirectory()).toBe(true);
    const anon = await svc.create({});
    expect(anon.name).toMatch(/^[0-9a-f]{64}$/);
    expect(anon.anonymous).toBe(true);
    expect((await new LocalVolumeService({ root: dir, usedBy: () => [] }).inspect('data')).labels).toEqual({ k: 'v' });
  });

  it('rejects invalid names with Docker\'s message; inspect of a missing one is 404', async () => {
    await expect(svc.create({ name: 'a/b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(svc.inspect('nope')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'get nope: no such volume' });
  });

  it('list filters by name, label and dangling', async () => {
    await svc.create({ name: 'aa', labels: { x: '1' } });
    await svc.create({ name: 'bb' });
    used.bb = ['c1'];
    expect((await svc.list()).map((v) => v.name)).toEqual(['aa', 'bb']);
    expect((await svc.list({ names: ['a'] })).map((v) => v.name)).toEqual(['aa']);
    expect((await svc.list({ labels: ['x=1'] })).map((v) => v.name)).toEqual(['aa']);
    expect((await svc.list({ labels: ['x=2'] }))).toEqual([]);
    expect((await svc.list({ dangling: true })).map((v) => v.name)).toEqual(['aa']);
    expect((await svc.list({ dangling: false })).map((v) => v.name)).toEqual(['bb']);
  });

  it('remove: 409 while in use, force ignores missing, data is gone', async () => {
    const v = await svc.create({ name: 'vv' });
    used.vv = ['abc'];
    await expect(svc.remove('vv')).rejects.toMatchObject({ code: 'CONFLICT', message: 'remove vv: volume is in use - [abc]' });
    used.vv = [];
    await svc.remove('vv');
    await expect(fs.stat(v.mountpoint)).rejects.toThrow();
    await expect(svc.remove('vv')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await svc.remove('vv', { force: true });
  });

  it('prune removes unused anonymous volumes (all=true: named ones too)', async () => {
    const anon = await svc.create({});
    await svc.create({ name: 'keep' });
    expect((await svc.prune()).deleted).toEqual([anon.name]);
    expect((await svc.prune({ all: true })).deleted).toEqual(['keep']);
  });
});
