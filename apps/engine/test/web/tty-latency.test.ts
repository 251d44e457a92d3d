/**
 * Benchmark: keystroke-to-echo latency through ws /tty on loopback (issue 8's target: p50 < 20 ms).
 * 200 single keystrokes into (a) `cat` in a TTY container via attach (kernel echo) and (b) an exec
 * `sh` (busybox line editing echoes). Prints p50/p95/max and asserts nothing about time (a
 * benchmark, not a timed test). Opt-in, run by `BENCH_ONLY=web npm run bench`, or:
 * BERTH_BENCH=1 npx vitest run --config vitest.integration.config.ts test/web/tty-latency.test.ts
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebEngine, type WebEngine } from './web-engine.js';
import type { Tty } from '../../src/web/test-support/web-client.js';

const enabled = process.env.BERTH_BENCH === '1';
let e: WebEngine;
beforeAll(async () => { if (enabled) e = await startWebEngine(); });
afterAll(async () => { await e?.stop(); });

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };

async function measure(tty: Tty, n = 200): Promise<number[]> {
  const out: number[] = [];
  const keys = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 0; i < n + 10; i++) {
    const k = keys[i % keys.length]!;
    const before = tty.out.length;
    const t0 = process.hrtime.bigint();
    tty.send(k);
    await tty.until((x) => x.out.length > before && x.out.subarray(before).includes(k), 5000, `echo of ${k}`);
    if (i >= 10) out.push(Number(process.hrtime.bigint() - t0) / 1e6); // first 10 warm up
    if (i % 60 === 59) { tty.send('\r'); await new Promise((r) => setTimeout(r, 30)); }
  }
  return out;
}

const report = (name: string, xs: number[]) => {
  const line = `${name}: n=${xs.length} p50=${pct(xs, 50).toFixed(2)} ms p95=${pct(xs, 95).toFixed(2)} ms max=${Math.max(...xs).toFixed(2)} ms`;
  console.log(`[tty-latency] ${line}`);
  return line;
};

it.skipIf(!enabled)('keystroke-to-echo latency: attach to `cat` in a TTY container, and exec `sh`', async () => {
  const t = e.admin.trpc();
  const { id } = await t.containers.run.mutate({ image: 'busybox', cmd: ['cat'], tty: true, name: 'lat-cat' });
  const s1 = await t.terminals.open.mutate({ containerId: id, mode: 'attach' });
  const a = await e.admin.tty(s1.sessionId);
  const catMs = await measure(a);
  report('attach cat', catMs);
  const { id: id2 } = await t.containers.run.mutate({ image: 'busybox', cmd: ['sleep', '1000'], name: 'lat-sh' });
  const s2 = await t.terminals.open.mutate({ containerId: id2, mode: 'exec', cmd: ['sh'] });
  const b = await e.admin.tty(s2.sessionId);
  await b.until((x) => x.text.includes('#'), 10_000, 'prompt');
  const shMs = await measure(b);
  report('exec sh', shMs);
  expect(catMs).toHaveLength(200);
  expect(shMs).toHaveLength(200);
}, 120_000);
