import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogEntry } from '../containers/container-types.js';
import type { ReadLogOptions } from './log-reader.js';
import { readK8sFileLogs } from './k8s-file-reader.js';
import { K8sLogParser, TimeNormalizer, unixToTimeString } from './k8s-file-format.js';
import { findTailStart } from './k8s-file-tail.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-logs-'));
  file = path.join(dir, 'ctr.log');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const BASE = '2026-11-29T11:53:11';
/** A record; `t` is the fraction of BASE's second (9 digits) or a full timestamp. */
function rec(t: string | number, stream: 'stdout' | 'stderr', tag: 'F' | 'P', content: string): string {
  const ts = typeof t === 'number' ? `${BASE}.${String(t).padStart(9, '0')}+00:00` : t;
  return `${ts} ${stream} ${tag} ${content}\n`;
}
const opts = (o: Partial<ReadLogOptions> = {}): ReadLogOptions => ({
  follow: false, stdout: true, stderr: true, isRunning: () => false, ...o,
});
async function readAll(o: Partial<ReadLogOptions> = {}, p = file): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readK8sFileLogs(p, opts(o))) out.push(e);
  return out;
}
const texts = (es: LogEntry[]): string[] => es.map((e) => `${e.stream}:${e.data.toString()}`);

describe('readK8sFileLogs', () => {
  it('joins P…P F per stream into one line timed by its first record; keeps streams apart', async () => {
    await fs.writeFile(file, [
      rec(1, 'stdout', 'P', 'par'),
      rec(2, 'stderr', 'F', 'err line'),
      rec(3, 'stdout', 'P', 'tial'),
      rec(4, 'stdout', 'F', ''),
      `${BASE}.000000005+00:00 stdout F`, '\n', // empty F without the trailing space
      rec(6, 'stdout', 'F', 'tabs\tand  spaces '),
    ].join(''));
    const es = await readAll();
    expect(texts(es)).toEqual(['stderr:err line\n', 'stdout:partial\n', 'stdout:\n', 'stdout:tabs\tand  spaces \n']);
    expect(es[1]!.time).toBe(`${BASE}.000000001Z`);
    expect(texts(await readAll({ stderr: false }))).toEqual(['stdout:partial\n', 'stdout:\n', 'stdout:tabs\tand  spaces \n']);
    expect(texts(await readAll({ stdout: false }))).toEqual(['stderr:err line\n']);
  });

  it('emits an unfinished P chain at EOF without a newline; skips malformed lines', async () => {
    await fs.writeFile(file, 'garbage\n' + rec(1, 'stdout', 'F', 'a') + 'x stdout Q y\n' + rec(2, 'stdout', 'P', 'no-newline'));
    expect(texts(await readAll())).toEqual(['stdout:a\n', 'stdout:no-newline']);
  });

  it('converts timestamps to UTC with all nine digits', async () => {
    await fs.writeFile(file, [
      rec('2026-11-29T12:53:11.180286505+01:00', 'stdout', 'F', 'a'),
      rec('2026-01-01T00:30:00.000000001+01:00', 'stdout', 'F', 'b'),
      rec('2026-11-29T06:23:11.5-05:30', 'stdout', 'F', 'c'),
      rec('2026-11-29T11:53:11.180286505Z', 'stdout', 'F', 'd'),
    ].join(''));
    expect((await readAll()).map((e) => e.time)).toEqual([
      '2026-11-29T11:53:11.180286505Z', '2025-12-31T23:30:00.000000001Z',
      '2026-11-29T11:53:11.500000000Z', '2026-11-29T11:53:11.180286505Z',
    ]);
    const n = new TimeNormalizer();
    expect(n.normalize('2026-11-29T11:53:11+00:00')).toBe('2026-11-29T11:53:11.000000000Z');
  });

  it('since skips earlier entries, until ends the stream, both to the nanosecond', async () => {
    const sec = Date.parse(`${BASE}Z`) / 1000;
    await fs.writeFile(file, [
      rec(199_999_999, 'stdout', 'F', 'a'), rec(200_000_000, 'stdout', 'F', 'b'),
      rec(200_000_001, 'stderr', 'F', 'c'), rec(300_000_000, 'stdout', 'F', 'd'),
    ].join(''));
    expect(texts(await readAll({ since: sec + 0.2 }))).toEqual(['stdout:b\n', 'stderr:c\n', 'stdout:d\n']);
    expect(texts(await readAll({ until: sec + 0.2 }))).toEqual(['stdout:a\n', 'stdout:b\n']);
    expect(texts(await readAll({ since: sec + 0.2, until: sec + 0.25, stdout: false }))).toEqual(['stderr:c\n']);
    expect(unixToTimeString(sec + 0.2)).toBe(`${BASE}.200000000Z`);
  });

  it('tail counts joined lines of both streams, across rotated files', async () => {
    const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => rec(from + i, 'stdout', 'F', `l${from + i}`)).join('');
    await fs.writeFile(`${file}.2`, lines(0, 3));
    await fs.writeFile(`${file}.1`, lines(3, 8));
    await fs.writeFile(file, lines(8, 10) + rec(10, 'stderr', 'P', 'x') + rec(11, 'stdout', 'F', 'l11') + rec(12, 'stderr', 'F', 'y'));
    expect(texts(await readAll({ tail: 3 }))).toEqual(['stdout:l9\n', 'stdout:l11\n', 'stderr:xy\n']);
    expect(texts(await readAll({ tail: 6 })).map((s) => s.trim())).toEqual(['stdout:l6', 'stdout:l7', 'stdout:l8', 'stdout:l9', 'stdout:l11', 'stderr:xy']);
    expect(await readAll({ tail: 0 })).toEqual([]);
    expect((await readAll({ tail: 100 })).length).toBe(12);
    expect((await readAll({ tail: 'all' })).length).toBe(12);
    expect(texts(await readAll({ tail: 2, stderr: false }))).toEqual(['stdout:l11\n']); // Docker: tail first, then the filter
  });

  it('tail finds the right start at any chunk size, with interleaved P chains (randomized)', async () => {
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let text = '';
    for (let i = 0; i < 400; i++) {
      const s = rnd(3) === 0 ? 'stderr' : 'stdout';
      text += rec(i, s, rnd(3) === 0 ? 'P' : 'F', 'x'.repeat(rnd(40)) + i);
    }
    text += rec(999, 'stdout', 'P', 'open-end');
    await fs.writeFile(file, text);
    const all = await readAll();
    const fh = await fs.open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      for (const n of [1, 2, 5, 17, 100, 300, 1000]) {
        for (const chunk of [37, 512, 1 << 20]) {
          const at = await findTailStart([{ fh, size }], n, { chunkSize: chunk });
          const buf = Buffer.from(text).subarray(at.offset);
          const out: LogEntry[] = [];
          const p = new K8sLogParser();
          p.parseLines(buf, 0, buf.length, out, true);
          out.push(...p.flush());
          expect(texts(out.slice(-n)), `n=${n} chunk=${chunk}`).toEqual(texts(all.slice(-n)));
        }
      }
    } finally {
      await fh.close();
    }
    expect(texts(await readAll({ tail: 17 }))).toEqual(texts(all.slice(-17)));
  });

  it('follow: streams appends (also split mid-line), ends after the container stops and all is drained', async () => {
    await fs.writeFile(file, rec(1, 'stdout', 'F', 'first'));
    let running = true;
    const got: string[] = [];
    const done = (async () => {
      for await (const e of readK8sFileLogs(file, opts({ follow: true, isRunning: () => running }))) got.push(e.data.toString());
    })();
    await until(() => got.length === 1);
    const second = rec(2, 'stdout', 'P', 'sec') + rec(3, 'stdout', 'F', 'ond');
    await fs.appendFile(file, second.slice(0, 50)); // half a record: must wait for the rest
    await sleep(300);
    expect(got).toEqual(['first\n']);
    await fs.appendFile(file, second.slice(50));
    await until(() => got.length === 2);
    expect(got[1]).toBe('second\n');
    await fs.appendFile(file, rec(4, 'stdout', 'F', 'last') + rec(5, 'stdout', 'P', 'tail-no-newline'));
    running = false;
    await done;
    expect(got).toEqual(['first\n', 'second\n', 'last\n', 'tail-no-newline']);
  });

  it('follow: survives rotation (old file finished first, new file from its start) and waits for a missing file', async () => {
    let running = true;
    const got: string[] = [];
    const done = (async () => {
      for await (const e of readK8sFileLogs(file, opts({ follow: true, isRunning: () => running }))) got.push(e.data.toString().trim());
    })();
    await sleep(100);
    await fs.writeFile(file, rec(1, 'stdout', 'F', 'a'));
    await until(() => got.length === 1);
    await fs.rename(file, `${file}.1`);
    await fs.appendFile(`${file}.1`, rec(2, 'stdout', 'F', 'b')); // written before conmon reopens
    await sleep(300);
    await fs.writeFile(file, rec(3, 'stdout', 'F', 'c'));
    await until(() => got.length === 3);
    await fs.appendFile(file, rec(4, 'stderr', 'F', 'd'));
    running = false;
    await done;
    expect(got).toEqual(['a', 'b', 'c', 'd']);
  });

  it('follow with tail: last N, then new lines; abort ends the stream', async () => {
    await fs.writeFile(file, rec(1, 'stdout', 'F', 'a') + rec(2, 'stdout', 'F', 'b') + rec(3, 'stdout', 'P', 'c'));
    const ac = new AbortController();
    const got: string[] = [];
    const done = (async () => {
      for await (const e of readK8sFileLogs(file, opts({ follow: true, tail: 1, signal: ac.signal, isRunning: () => true }))) got.push(e.data.toString());
    })();
    await until(() => got.length === 1);
    await fs.appendFile(file, rec(4, 'stdout', 'F', 'd'));
    await until(() => got.length === 2);
    ac.abort();
    await done;
    expect(got).toEqual(['b\n', 'cd\n']);
  });

  it('reads a missing log as empty; streams a 16 MiB log whole', async () => {
    expect(await readAll({}, path.join(dir, 'none.log'))).toEqual([]);
    const line = rec(1, 'stdout', 'F', 'y'.repeat(100));
    const block = line.repeat(Math.ceil((1 << 20) / line.length));
    const fh = await fs.open(file, 'w');
    for (let i = 0; i < 16; i++) await fh.write(block);
    await fh.close();
    // Throughput is measured by `npm run bench` (logs group), not asserted here.
    let bytes = 0;
    for await (const e of readK8sFileLogs(file, opts())) bytes += e.data.length;
    expect(bytes).toBe(101 * 16 * Math.ceil((1 << 20) / line.length));
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await sleep(10);
  }
}

describe('coalesce', () => {
  it('merges runs of one stream into few entries with the same bytes, and keeps streams apart', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(rec(i, 'stdout', 'F', `line-${i}`));
    lines.push(rec(5000, 'stderr', 'F', 'err'), rec(5001, 'stdout', 'F', 'after'));
    await fs.writeFile(file, lines.join(''));
    const plain = await readAll();
    const merged = await readAll({ coalesce: true });
    expect(plain).toHaveLength(3002);
    expect(merged.length).toBeLessThan(10);
    const join = (es: LogEntry[], s: string) => Buffer.concat(es.filter((e) => e.stream === s).map((e) => e.data)).toString();
    expect(join(merged, 'stdout')).toBe(join(plain, 'stdout'));
    expect(join(merged, 'stderr')).toBe('err\n');
    expect(merged.at(-1)!.data.toString()).toBe('after\n');
    expect(merged[0]!.time).toBe(plain[0]!.time);
  });
});
