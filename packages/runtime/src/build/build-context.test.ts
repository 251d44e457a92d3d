import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pack as tarPack } from 'tar-stream';
import { checkTar } from '../archive/tar-check.js';
import { completeTrailer, isTarHeader } from './build-context.js';

let tmp: string | undefined;
afterEach(async () => { if (tmp) await fs.rm(tmp, { recursive: true, force: true }); });

async function tarBytes(files: Record<string, string>): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, content] of Object.entries(files)) p.entry({ name }, content);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('the build context tar', () => {
  it('recognizes tar headers by checksum', async () => {
    const t = await tarBytes({ Dockerfile: 'FROM a\n' });
    expect(isTarHeader(t.subarray(0, 512))).toBe(true);
    expect(isTarHeader(Buffer.from('FROM busybox\n'.padEnd(512, ' ')))).toBe(false);
  });

  it('completes an archive cut right after the last entry\'s data (docker build -f outside the context)', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-bc-'));
    const full = await tarBytes({ x: 'hi\n', '.dockerfile.123': 'FROM busybox\nCOPY x /y\n' });
    const cut = full.subarray(0, 512 + 512 + 512 + 'FROM busybox\nCOPY x /y\n'.length);
    const file = path.join(tmp, 'c.tar');
    await fs.writeFile(file, cut);
    await expect(checkTar(file)).rejects.toThrow();
    await completeTrailer(file);
    expect((await checkTar(file)).entries).toBe(2);
    // an intact archive is left alone; truncated data is not "repaired"
    await fs.writeFile(file, full);
    await completeTrailer(file);
    expect(await fs.readFile(file)).toEqual(full);
    await fs.writeFile(file, full.subarray(0, 512 + 2));
    await completeTrailer(file);
    expect((await fs.stat(file)).size).toBe(514);
  });
});
