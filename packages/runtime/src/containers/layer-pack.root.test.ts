/**
 * security.capability survives commit: packUpper writes it as a binary SCHILY.xattr pax record and
 * GNU tar (what applyLayer runs) restores it. The value has bytes >= 0x80 (CAP_SETUID is bit 7), which
 * a UTF-8 pax writer would corrupt.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fileCapabilities, packUpper, paxRecords } from './layer-pack.js';
import { scanUpper } from './upper-scan.js';
import { applyLayer } from '../archive/apply-layer.js';

// VFS_CAP_REVISION_2|EFFECTIVE, permitted = CAP_SETUID|CAP_NET_RAW, inheritable 0.
const CAP_HEX = '0x0100000280200000000000000000000000000000';
let base: string;

beforeEach(async () => { base = await fs.mkdtemp('/tmp/bt-lp-'); });
afterEach(async () => { await fs.rm(base, { recursive: true, force: true }); });

it('paxRecords counts its own length', () => {
  const r = paxRecords([['path', Buffer.from('a'.repeat(95))]]);
  expect(Number(r.toString('latin1').split(' ')[0])).toBe(r.length);
});

it('carries security.capability through packUpper and applyLayer (checkTar + GNU tar --xattrs)', async () => {
  const upper = path.join(base, 'upper');
  const longDir = path.join(upper, 'usr', 'x'.repeat(60), 'y'.repeat(60));
  await fs.mkdir(longDir, { recursive: true });
  await fs.writeFile(path.join(upper, 'usr/ping'), 'bin');
  await fs.writeFile(path.join(longDir, 'tool'), 'bin');
  for (const f of [path.join(upper, 'usr/ping'), path.join(longDir, 'tool')]) {
    execFileSync('setfattr', ['-n', 'security.capability', '-v', CAP_HEX, f]);
  }
  const caps = await fileCapabilities(upper);
  expect(caps.get('/usr/ping')?.toString('hex')).toBe(CAP_HEX.slice(2));
  const tar = path.join(base, 'layer.tar');
  await pipeline(packUpper(upper, await scanUpper(upper)), createWriteStream(tar));
  const out = path.join(base, 'out');
  await applyLayer(tar, out); // checkTar (tar-stream) must accept the raw pax header, GNU tar restores the xattr

  const rel = path.relative(upper, path.join(longDir, 'tool'));
  for (const f of ['usr/ping', rel]) {
    const got = execFileSync('getfattr', ['-h', '-e', 'hex', '-n', 'security.capability', path.join(out, f)]).toString();
    expect(got).toContain(`security.capability=${CAP_HEX}`);
    expect(await fs.readFile(path.join(out, f), 'utf8')).toBe('bin');
  }
});

it('packs small (read whole) and large (streamed) files, links and whiteouts byte for byte', async () => {
  const upper = path.join(base, 'upper');
  await fs.mkdir(path.join(upper, 'd/opq'), { recursive: true });
  const sizes = [0, 1, 511, 512, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 7];
  const bodies = new Map<string, Buffer>();
  for (const n of sizes) {
    const b = Buffer.alloc(n, n % 251);
    for (let i = 0; i < n; i += 4093) b[i] = i % 256;
    bodies.set(`d/f${n}`, b);
    await fs.writeFile(path.join(upper, `d/f${n}`), b);
  }
  // Enough files that the sync read runs yield to the event loop several times.
  for (let i = 0; i < 300; i++) bodies.set(`d/opq/s${i}`, Buffer.from(`small ${i}\n`));
  for (const [n, b] of bodies) if (n.startsWith('d/opq/')) await fs.writeFile(path.join(upper, n), b);
  await fs.link(path.join(upper, 'd/f1'), path.join(upper, 'd/hl'));
  await fs.symlink('f1', path.join(upper, 'd/sl'));
  execFileSync('mknod', [path.join(upper, 'd/gone'), 'c', '0', '0']);
  execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(upper, 'd/opq')]);
  const tar = path.join(base, 'layer.tar');
  await pipeline(packUpper(upper, await scanUpper(upper)), createWriteStream(tar));
  const names = execFileSync('tar', ['-tf', tar]).toString().trim().split('\n');
  expect(names).toContain('d/.wh.gone');
  expect(names).toContain('d/opq/.wh..wh..opq');
  const out = path.join(base, 'out');
  await applyLayer(tar, out);
  for (const [n, b] of bodies) expect((await fs.readFile(path.join(out, n))).equals(b), n).toBe(true);
  expect((await fs.stat(path.join(out, 'd/hl'))).ino).toBe((await fs.stat(path.join(out, 'd/f1'))).ino);
  expect(await fs.readlink(path.join(out, 'd/sl'))).toBe('f1');
  expect((await fs.lstat(path.join(out, 'd/gone'))).isCharacterDevice()).toBe(true);
  expect(execFileSync('getfattr', ['-n', 'trusted.overlay.opaque', '--only-values', path.join(out, 'd/opq')]).toString()).toBe('y');
});

it('reads capabilities itself when the entries did not come from scanUpper', async () => {
  const upper = path.join(base, 'upper');
  await fs.mkdir(upper);
  await fs.writeFile(path.join(upper, 'ping'), 'bin');
  execFileSync('setfattr', ['-n', 'security.capability', '-v', CAP_HEX, path.join(upper, 'ping')]);
  const entries = (await scanUpper(upper)).map(({ capability: _, ...e }) => e);
  expect(entries).toHaveLength(1);
  const tar = path.join(base, 'layer.tar');
  await pipeline(packUpper(upper, entries), createWriteStream(tar));
  const out = path.join(base, 'out');
  await applyLayer(tar, out);
  expect(execFileSync('getfattr', ['-h', '-e', 'hex', '-n', 'security.capability', path.join(out, 'ping')]).toString()).toContain(CAP_HEX);
});

it('fails the stream when a small file changed size after the scan', async () => {
  const upper = path.join(base, 'upper');
  await fs.mkdir(upper);
  await fs.writeFile(path.join(upper, 'a'), 'short');
  const entries = await scanUpper(upper);
  await fs.writeFile(path.join(upper, 'a'), 'much longer now');
  await expect(pipeline(packUpper(upper, entries), createWriteStream(path.join(base, 'layer.tar')))).rejects.toThrow(/changed size/);
});

it('stops packing when the consumer destroys the stream before reading', async () => {
  const upper = path.join(base, 'upper');
  await fs.mkdir(upper);
  for (let i = 0; i < 50; i++) await fs.writeFile(path.join(upper, `f${i}`), Buffer.alloc(300 * 1024, i));
  const s = packUpper(upper, await scanUpper(upper));
  s.destroy();
  await new Promise((r) => setTimeout(r, 300));
  // A packer left running would sit in a streamed (>256 KiB) file with its descriptor open.
  const fds = await fs.readdir('/proc/self/fd');
  const open = await Promise.all(fds.map((fd) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  expect(open.filter((t) => t.startsWith(upper))).toEqual([]);
  await expect(pipeline(s, createWriteStream(path.join(base, 'x.tar')))).rejects.toThrow();
});
