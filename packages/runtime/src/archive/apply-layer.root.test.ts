import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { applyLayer } from './apply-layer.js';
import { buildTar } from './tar-test-helpers.js';
import type { TestEntry } from './tar-test-helpers.js';
import { isEngineError } from '../errors/engine-error.js';
import { run } from '../util/exec-file.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function getOpaque(dir: string): Promise<string | null> {
  const r = await run('getfattr', ['-h', '--only-values', '-n', 'trusted.overlay.opaque', dir], { okCodes: [1] });
  return r.code === 0 ? r.stdout : null;
}

async function isWhiteoutDevice(p: string): Promise<boolean> {
  const st = await fs.lstat(p);
  return st.isCharacterDevice() && st.rdev === 0;
}

describe('applyLayer (root)', () => {
  let tmp: string;
  let canary: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp('/tmp/bt-al-');
    canary = await fs.mkdtemp('/tmp/bt-canary-');
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.rm(canary, { recursive: true, force: true });
  });

  const write = async (name: string, data: Buffer) => { const p = path.join(tmp, name); await fs.writeFile(p, data); return p; };

  const layer: TestEntry[] = [
    { name: './', type: 'directory' },
    { name: './bin/', type: 'directory' },
    { name: './bin/tool', content: '#!/bin/sh\n', mode: 0o4755 },
    { name: './bin/sh', type: 'symlink', linkname: 'tool' },
    { name: './bin/hard', type: 'link', linkname: './bin/tool' },
    { name: './etc/mtab', type: 'symlink', linkname: '/proc/mounts' },
    { name: './etc/file1', content: 'v2\n', pax: { 'SCHILY.xattr.user.berth': 'kept', 'SCHILY.xattr.trusted.overlay.redirect': '/etc' } },
    { name: './.wh.keep.txt' },
    { name: './data/', type: 'directory' },
    { name: './data/.wh.del-me' },
    { name: './data/old/', type: 'directory' },
    { name: './data/old/.wh..wh..opq' },
    { name: './data/old/c', content: 'c' },
    { name: './same/', type: 'directory' },
    { name: './same/f', content: 'file wins' },
    { name: './same/.wh.f' },
    { name: './same/.wh.d' },
    { name: './same/d/x', content: 'dir becomes opaque' },
  ];

  it('extracts, converts whiteouts to char 0/0 and opaque markers to trusted.overlay.opaque=y', async () => {
    const tar = await buildTar(layer);
    const target = path.join(tmp, 'L');
    const res = await applyLayer(await write('layer.tar', tar), target);
    expect(res).toEqual({ diffId: sha(tar), size: tar.length });

    expect(await isWhiteoutDevice(path.join(target, 'keep.txt'))).toBe(true); // top-level: the `./` strip pitfall
    expect(await isWhiteoutDevice(path.join(target, 'data/del-me'))).toBe(true);
    await expect(fs.lstat(path.join(target, '.wh.keep.txt'))).rejects.toThrow(/ENOENT/);
    await expect(fs.lstat(path.join(target, 'data/.wh.del-me'))).rejects.toThrow(/ENOENT/);
    await expect(fs.lstat(path.join(target, 'data/old/.wh..wh..opq'))).rejects.toThrow(/ENOENT/);
    expect(await getOpaque(path.join(target, 'data/old'))).toBe('y');
    expect(await getOpaque(path.join(target, 'data'))).toBeNull();
    expect(await fs.readdir(path.join(target, 'data/old'))).toEqual(['c']);

    // same-layer whiteout + entry: a file stays a file, a directory becomes opaque
    expect(await fs.readFile(path.join(target, 'same/f'), 'utf8')).toBe('file wins');
    expect(await getOpaque(path.join(target, 'same/d'))).toBe('y');
    expect((await fs.readdir(path.join(target, 'same'))).sort()).toEqual(['d', 'f']);

    const tool = await fs.lstat(path.join(target, 'bin/tool'));
    expect(tool.mode & 0o7777).toBe(0o4755);
    expect(tool.nlink).toBe(2);
    expect((await fs.lstat(path.join(target, 'bin/hard'))).ino).toBe(tool.ino);
    expect(await fs.readlink(path.join(target, 'bin/sh'))).toBe('tool');
    expect(await fs.readlink(path.join(target, 'etc/mtab'))).toBe('/proc/mounts');

    const xattrs = (await run('getfattr', ['-h', '-d', '-m', '-', path.join(target, 'etc/file1')])).stdout;
    expect(xattrs).toContain('user.berth="kept"');
    expect(xattrs).not.toContain('trusted.overlay');
  });

  it('gives the same result and diffID for a gzip layer', async () => {
    const tar = await buildTar(layer);
    const target = path.join(tmp, 'Z');
    const res = await applyLayer(await write('layer.tar.gz', gzipSync(tar)), target);
    expect(res.diffId).toBe(sha(tar));
    expect(await isWhiteoutDevice(path.join(target, 'data/del-me'))).toBe(true);
    expect(await getOpaque(path.join(target, 'data/old'))).toBe('y');
  });

  const hostile: Array<[string, TestEntry[]]> = [
    ['symlink to canary then write through it', [{ name: 'ok', content: 'x' }, { name: 'l', type: 'symlink', linkname: '@CANARY@' }, { name: 'l/pwn', content: 'x' }]],
    ['relative ../ symlink then write through it', [{ name: 'ok', content: 'x' }, { name: 'l', type: 'symlink', linkname: '../../@CANARYBASE@' }, { name: 'l/pwn', content: 'x' }]],
    ['../ traversal', [{ name: 'ok', content: 'x' }, { name: '../../@CANARYBASE@/pwn', content: 'x' }]],
    ['hardlink to /etc/shadow', [{ name: 'ok', content: 'x' }, { name: 'sh', type: 'link', linkname: '/etc/shadow' }]],
    ['hardlink to ../../etc/shadow', [{ name: 'ok', content: 'x' }, { name: 'sh', type: 'link', linkname: '../../../../etc/shadow' }]],
    ['whiteout through a symlink', [{ name: 'l', type: 'symlink', linkname: '@CANARY@' }, { name: 'l/.wh.victim' }]],
  ];

  it.each(hostile)('refuses %s: nothing outside, target left empty', async (_label, entries) => {
    await fs.writeFile(path.join(canary, 'victim'), 'intact');
    const shadowLinks = (await fs.stat('/etc/shadow')).nlink;
    const fixed = entries.map((e) => ({
      ...e,
      name: e.name.replace('@CANARYBASE@', path.basename(canary)),
      linkname: e.linkname?.replace('@CANARY@', canary).replace('@CANARYBASE@', path.basename(canary)),
    }));
    const target = path.join(tmp, 'L');
    const err = await applyLayer(await write('bad.tar', await buildTar(fixed)), target).catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('INVALID_ARGUMENT');
    expect(await fs.readdir(canary)).toEqual(['victim']);
    expect(await fs.readFile(path.join(canary, 'victim'), 'utf8')).toBe('intact');
    expect(await fs.readdir(target)).toEqual([]);
    expect((await fs.stat('/etc/shadow')).nlink).toBe(shadowLinks);
    await expect(fs.lstat(path.join(tmp, 'pwn'))).rejects.toThrow(/ENOENT/);
  });

  it('T06: a symlink from a lower layer is not followed (each layer gets its own empty dir)', async () => {
    const l1 = path.join(tmp, 'L1');
    const l2 = path.join(tmp, 'L2');
    await applyLayer(await write('1.tar', await buildTar([{ name: 'x', type: 'symlink', linkname: canary }])), l1);
    await applyLayer(await write('2.tar', await buildTar([{ name: 'x/authorized_keys', content: 'ssh-rsa pwn' }])), l2);
    expect(await fs.readdir(canary)).toEqual([]);
    expect((await fs.lstat(path.join(l2, 'x'))).isDirectory()).toBe(true);
    expect(await fs.readFile(path.join(l2, 'x/authorized_keys'), 'utf8')).toBe('ssh-rsa pwn');
  });

  it('empties the target when GNU tar fails after the check passed', async () => {
    // Passes checkTar (no symlink involved) but tar cannot create f/x under a regular file f.
    const tar = await buildTar([{ name: 'a', content: 'a' }, { name: 'f', content: 'x' }, { name: 'f/x', content: 'y' }]);
    const target = path.join(tmp, 'L');
    const err = await applyLayer(await write('f.tar', tar), target).catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('INTERNAL');
    expect((err as Error).message).toMatch(/Not a directory/);
    expect(await fs.readdir(target)).toEqual([]);
  });

  it('applies an empty (0-byte) layer as an empty dir with the empty-string diffID', async () => {
    const target = path.join(tmp, 'E');
    const res = await applyLayer(await write('empty.tar', Buffer.alloc(0)), target);
    expect(res).toEqual({ diffId: sha(Buffer.alloc(0)), size: 0 });
    expect(await fs.readdir(target)).toEqual([]);
  });

  it('refuses a non-empty target', async () => {
    const target = path.join(tmp, 'L');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'old'), 'x');
    const err = await applyLayer(await write('ok.tar', await buildTar([{ name: 'a', content: 'a' }])), target).catch((e: unknown) => e);
    expect(isEngineError(err) && err.code).toBe('FAILED_PRECONDITION');
  });
});
