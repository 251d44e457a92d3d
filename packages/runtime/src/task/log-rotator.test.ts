import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogRotator, shiftFiles, writeCtl } from './log-rotator.js';

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-rot-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

describe('log rotation', () => {
  it('shifts files keeping maxFiles in total', async () => {
    const p = path.join(dir, 'ctr.log');
    for (const [f, c] of [[p, 'live'], [`${p}.1`, 'one'], [`${p}.2`, 'two']]) await fs.writeFile(f!, c!);
    await shiftFiles(p, 3);
    expect(await fs.readFile(`${p}.1`, 'utf8')).toBe('live');
    expect(await fs.readFile(`${p}.2`, 'utf8')).toBe('one');
    await expect(fs.access(p)).rejects.toThrow();
    await expect(fs.access(`${p}.3`)).rejects.toThrow();
  });

  it('writeCtl never blocks: false without a reader, the message with one', async () => {
    const fifo = path.join(dir, 'ctl');
    execFileSync('mkfifo', [fifo]);
    expect(await writeCtl(fifo, '2 0 0\n')).toBe(false);
    expect(await writeCtl(path.join(dir, 'missing'), '2 0 0\n')).toBe(false);
    const reader = await fs.open(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      expect(await writeCtl(fifo, '1 50 132\n')).toBe(true);
      const buf = Buffer.alloc(64);
      const { bytesRead } = await reader.read(buf, 0, 64, null);
      expect(buf.subarray(0, bytesRead).toString()).toBe('1 50 132\n');
    } finally {
      await reader.close();
    }
  });

  it('rotates a tracked log above maxSize and stops tracking once the exit file exists', async () => {
    const p = path.join(dir, 'ctr.log');
    const fifo = path.join(dir, 'ctl');
    execFileSync('mkfifo', [fifo]);
    const reader = await fs.open(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const r = new LogRotator({ maxFiles: 3, intervalMs: 60_000 });
    try {
      r.track({ id: 'c', logPath: p, maxSize: 10, ctlPath: fifo, exitFile: path.join(dir, 'exit') });
      await fs.writeFile(p, 'small');
      await r.checkNow();
      await expect(fs.access(`${p}.1`)).rejects.toThrow();
      await fs.writeFile(p, 'larger than ten');
      await r.checkNow();
      expect(await fs.readFile(`${p}.1`, 'utf8')).toBe('larger than ten');
      const buf = Buffer.alloc(64);
      const { bytesRead } = await reader.read(buf, 0, 64, null);
      expect(buf.subarray(0, bytesRead).toString()).toBe('2 0 0\n');
      await fs.writeFile(path.join(dir, 'exit'), '0');
      await fs.writeFile(p, 'larger than ten again');
      await r.checkNow();
      expect(await fs.readFile(`${p}.1`, 'utf8')).toBe('larger than ten'); // untracked: no rotation
    } finally {
      r.stop();
      await reader.close();
    }
  });
});
