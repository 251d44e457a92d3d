import { describe, expect, it } from 'vitest';
import { FrameBatcher, STDERR, STDOUT, demux } from './stdcopy.js';

describe('FrameBatcher', () => {
  it('coalesces lines of one stream into one frame and keeps streams apart', async () => {
    const out: Buffer[] = [];
    const b = new FrameBatcher((buf) => out.push(buf), false);
    for (let i = 0; i < 100; i++) b.push(STDOUT, Buffer.from(`line${i}\n`));
    b.push(STDERR, Buffer.from('err\n'));
    b.push(STDOUT, Buffer.from('last\n'));
    await new Promise((r) => setImmediate(r));
    const { frames, stdout, stderr } = demux(Buffer.concat(out));
    expect(frames.map((f) => f.stream)).toEqual([STDOUT, STDERR, STDOUT]);
    expect(stdout.toString()).toBe([...Array(100).keys()].map((i) => `line${i}\n`).join('') + 'last\n');
    expect(stderr.toString()).toBe('err\n');
  });

  it('flushes a full frame at once and the rest when the producer pauses', async () => {
    const out: Buffer[] = [];
    const b = new FrameBatcher((buf) => out.push(buf), true, 10);
    b.push(STDOUT, Buffer.from('0123456789ab'));
    expect(Buffer.concat(out).toString()).toBe('0123456789ab');
    b.push(STDOUT, Buffer.from('xy'));
    expect(out).toHaveLength(1);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(out).toString()).toBe('0123456789abxy');
  });
});
