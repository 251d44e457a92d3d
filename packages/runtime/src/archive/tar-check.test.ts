import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { checkTar, normalizeEntryPath } from './tar-check.js';
import type { CheckTarOptions } from './tar-check.js';
import { buildTar, patchTypeflag } from './tar-test-helpers.js';
import type { TestEntry } from './tar-test-helpers.js';
import { isEngineError } from '../errors/engine-error.js';

async function rejection(tar: Buffer, opts?: CheckTarOptions): Promise<{ code: string; message: string }> {
  try {
    await checkTar(Readable.from([tar]), opts);
  } catch (err) {
    return { code: isEngineError(err) ? err.code : `non-engine:${(err as Error).message}`, message: (err as Error).message };
  }
  return { code: 'accepted', message: '' };
}

const rejectsEntry = async (entries: TestEntry[], entry: string, reason: RegExp) => {
  const r = await rejection(await buildTar(entries));
  expect(r.code).toBe('INVALID_ARGUMENT');
  expect(r.message).toContain(JSON.stringify(entry).slice(0, 150));
  expect(r.message).toMatch(reason);
};

describe('checkTar rejects hostile archives (T01-T05, T12)', () => {
  it('T01: ../ traversal, also hidden mid-path and in a long (pax) name', async () => {
    await rejectsEntry([{ name: '../x', content: 'pwn' }], '../x', /'\.\.'/);
    await rejectsEntry([{ name: 'a/', type: 'directory' }, { name: 'a/../../x' }], 'a/../../x', /'\.\.'/);
    await rejectsEntry([{ name: './ok/../../../tmp/canary/pwn' }], './ok/../../../tmp/canary/pwn', /'\.\.'/);
    const long = `${'d/'.repeat(80)}../../x`;
    await rejectsEntry([{ name: long }], long, /'\.\.'/);
  });

  it('T02: absolute names are stripped to in-archive paths (not rejected)', async () => {
    const tar = await buildTar([{ name: '/etc/cron.d/pwn', content: 'x' }, { name: '////etc/x', content: 'y' }, { name: '/etc/.wh.gone' }]);
    const s = await checkTar(Readable.from([tar]));
    expect(s.entries).toBe(3);
    expect(s.whiteouts).toEqual(['etc/.wh.gone']);
    expect(normalizeEntryPath('/etc/cron.d/pwn')).toBe('etc/cron.d/pwn');
    expect(normalizeEntryPath('////etc/./x/')).toBe('etc/x');
  });

  it('T03: writing through a symlink defined earlier (absolute and ../ targets)', async () => {
    await rejectsEntry([{ name: 'l', type: 'symlink', linkname: '/tmp/canary' }, { name: 'l/pwn', content: 'x' }], 'l/pwn', /through symlink l$/);
    await rejectsEntry([{ name: 'l', type: 'symlink', linkname: '../../..' }, { name: 'l/pwn', content: 'x' }], 'l/pwn', /through symlink l$/);
    // even a harmless-looking relative link, and via a different spelling of the same path
    await rejectsEntry([{ name: 'a/', type: 'directory' }, { name: 'a/l', type: 'symlink', linkname: 'sub' }, { name: './a//l/./deep/pwn' }],
      './a//l/./deep/pwn', /through symlink a\/l/);
    await rejectsEntry([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/', type: 'directory' }], 'l/', /replaces a symlink/);
    await rejectsEntry([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/.wh.passwd' }], 'l/.wh.passwd', /through symlink/);
  });

  it('T04: hardlink escapes', async () => {
    await rejectsEntry([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }], 'h', /'\.\.'/);
    await rejectsEntry([{ name: 'h', type: 'link', linkname: '/etc/shadow' }], 'h', /absolute/);
    // symlink chain (CVE-2026-26960 shape): a -> b -> /etc, then a hardlink into a/
    await rejectsEntry([
      { name: 'b', type: 'symlink', linkname: '/etc' },
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'h', type: 'link', linkname: 'a/shadow' },
    ], 'h', /through symlink a/);
    await rejectsEntry([{ name: 'd/l', type: 'symlink', linkname: '.' }, { name: 'h', type: 'link', linkname: 'd/l/d/l/x' }], 'h', /through symlink d\/l/);
    // a target that is not (yet) in the archive: a file of a lower layer or of the host
    await rejectsEntry([{ name: 'h', type: 'link', linkname: 'etc/passwd' }, { name: 'etc/passwd', content: 'x' }], 'h', /not an earlier entry/);
    await rejectsEntry([{ name: 'd/', type: 'directory' }, { name: 'h', type: 'link', linkname: 'd' }], 'h', /directory/);
    await rejectsEntry([{ name: 'f', content: 'x' }, { name: 'f', type: 'link', linkname: 'f' }], 'f', /itself/);
  });

  it('T05: whiteout abuse', async () => {
    await rejectsEntry([{ name: '.wh..' }], '.wh..', /invalid whiteout target/);
    await rejectsEntry([{ name: 'd/.wh...' }], 'd/.wh...', /invalid whiteout target/);
    await rejectsEntry([{ name: 'd/.wh.' }], 'd/.wh.', /invalid whiteout target/);
    await rejectsEntry([{ name: 'd/.wh.../', type: 'directory' }], 'd/.wh.../', /regular files/);
    await rejectsEntry([{ name: '.wh.x/y' }], '.wh.x/y', /whiteout name used as a directory/);
    await rejectsEntry([{ name: '.wh..wh..opq/x' }], '.wh..wh..opq/x', /whiteout name used as a directory/);
    await rejectsEntry([{ name: '.wh..wh.plnk/123', content: 'x' }], '.wh..wh.plnk/123', /whiteout name used as a directory/);
    await rejectsEntry([{ name: '.wh..wh.aufs' }], '.wh..wh.aufs', /whiteout metadata/);
    await rejectsEntry([{ name: 'd/.wh.x', type: 'symlink', linkname: '/etc' }], 'd/.wh.x', /regular files/);
    await rejectsEntry([{ name: 'a', content: 'x' }, { name: 'd/.wh.x', type: 'link', linkname: 'a' }], 'd/.wh.x', /regular files/);
    await rejectsEntry([{ name: 'd/.wh.x' }, { name: 'h', type: 'link', linkname: 'd/.wh.x' }], 'h', /whiteout/);
  });

  it('rejects device nodes unless allowed; accepts FIFOs', async () => {
    const dev = await buildTar([{ name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 }]);
    expect((await rejection(dev)).message).toMatch(/"dev\/sda".*block-device entries are not allowed/);
    const chr = await buildTar([{ name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1 }]);
    expect((await rejection(chr)).code).toBe('INVALID_ARGUMENT');
    expect((await rejection(chr, { allowDevices: true })).code).toBe('accepted');
    expect((await rejection(await buildTar([{ name: 'p', type: 'fifo' }]))).code).toBe('accepted');
  });

  it('rejects a 64 KiB name, unknown type flags, sparse files and corrupt headers', async () => {
    const huge = 'a'.repeat(64 * 1024);
    const r = await rejection(await buildTar([{ name: huge, content: 'x' }]));
    expect(r.code).toBe('INVALID_ARGUMENT');
    expect(r.message).toMatch(/longer than 4096 bytes/);
    expect(r.message.length).toBeLessThan(400);
    await rejectsEntry([{ name: `${'b'.repeat(256)}/x` }], `${'b'.repeat(256)}/x`, /longer than 255/);

    const plain = await buildTar([{ name: 'vol', content: 'x' }]);
    expect((await rejection(patchTypeflag(plain, 0, 'V'))).message).toMatch(/"vol".*unsupported entry type/);
    await rejectsEntry([{ name: 's', content: 'x', pax: { 'GNU.sparse.name': '../../etc/x', 'GNU.sparse.major': '1' } }], 's', /sparse/);

    const corrupt = Buffer.from(plain);
    corrupt[10] ^= 0xff;
    expect(await rejection(corrupt)).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/invalid archive/) });
    expect((await rejection(plain.subarray(0, 700))).code).toBe('INVALID_ARGUMENT');
    expect(await rejection(gzipSync(plain).subarray(0, 20))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('caps entry count and uncompressed size (also behind gzip)', async () => {
    const many = await buildTar(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}` })));
    expect((await rejection(many, { maxEntries: 10 })).message).toMatch(/more than 10 entries/);
    const bomb = gzipSync(await buildTar([{ name: 'zeros', content: Buffer.alloc(8 * 1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(100_000);
    expect((await rejection(bomb, { maxSize: 1024 * 1024 })).message).toMatch(/maximum uncompressed size/);
  });

  it('stops on abort with an AbortError', async () => {
    const ac = new AbortController();
    const block = await buildTar([{ name: 'f', content: Buffer.alloc(512 * 1024) }]);
    const slow = Readable.from((async function* () {
      for (let i = 0; i < block.length; i += 4096) { await new Promise((r) => setTimeout(r, 2)); yield block.subarray(i, i + 4096); }
    })());
    setTimeout(() => ac.abort(), 20);
    const err = await checkTar(slow, { signal: ac.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });

  it('refuses compressions it would have to spawn a decompressor for', async () => {
    const zstd = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(600)]);
    expect((await rejection(zstd)).code).toBe('NOT_IMPLEMENTED');
  });
});

describe('checkTar accepts real-world layers', () => {
  const good: TestEntry[] = [
    { name: './', type: 'directory' },
    { name: './bin/', type: 'directory' },
    { name: './bin/busybox', content: 'ELF', mode: 0o4755 },
    { name: './bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: './bin/ls', type: 'link', linkname: './bin/busybox' },
    { name: './etc/', type: 'directory' },
    { name: './etc/mtab', type: 'symlink', linkname: '/proc/mounts' },
    { name: './etc/up', type: 'symlink', linkname: '../../../../..' },
    { name: './lnk-to-symlink', type: 'link', linkname: 'bin/sh' },
    { name: './.wh.keep.txt' },
    { name: './data/.wh.del-me' },
    { name: './data/old/.wh..wh..opq' },
    { name: './.wh..wh..opq' },
    { name: `./${'long/'.repeat(30)}file`, content: 'deep' },
    { name: './run/fifo', type: 'fifo' },
  ];

  it('summarizes entries, whiteouts, opaque dirs and the diffID (plain and gzip)', async () => {
    const tar = await buildTar(good);
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    const s = await checkTar(Readable.from([tar]));
    expect(s).toEqual({
      entries: good.length,
      whiteouts: ['.wh.keep.txt', 'data/.wh.del-me'],
      opaqueDirs: ['data/old', '.'],
      uncompressedDigest: diffId,
      uncompressedSize: tar.length,
      compression: 'none',
    });

    const dir = await fs.mkdtemp(path.join(tmpdir(), 'bt-tc-'));
    try {
      const gz = path.join(dir, 'layer.tar.gz');
      await fs.writeFile(gz, gzipSync(tar));
      const z = await checkTar(gz);
      expect(z).toEqual({ ...s, compression: 'gzip' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('accepts an empty stream and an archive with only an end marker', async () => {
    expect((await checkTar(Readable.from([Buffer.alloc(1024)]))).entries).toBe(0);
    expect((await checkTar(Readable.from([]))).entries).toBe(0);
  });
});
