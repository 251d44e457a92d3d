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
