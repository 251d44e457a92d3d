/**
 * Dashboard performance, measured in Chromium (numbers go to artifacts/perf.json):
 *  - first load of the dashboard (`next start`, cold browser context, logged in) until the
 *    containers view is painted;
 *  - the log viewer with 1,000,000 synthetic lines (/bench/logs): time to first line and frame
 *    times while scrolling;
 *  - the same with a real container's 1,000,000-line log streamed from the engine (E2E_PERF_REAL=1);
 *  - keystroke-to-echo latency through the terminal WebSocket (browser → Next → berthd → sh).
 * Runs after dashboard.spec.ts (files run in order), which created the admin.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { testIds } from '@berth/ui/test-ids';
import { ADMIN, E2E_DIR, WEB } from '../support/env.js';
import { shot, tid, trpcMutation } from '../support/pages.js';

test.describe.configure({ mode: 'serial' });
const results: Record<string, unknown> = {};

test.afterAll(() => {
  mkdirSync(path.join(E2E_DIR, 'artifacts'), { recursive: true });
  writeFileSync(path.join(E2E_DIR, 'artifacts', 'perf.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('perf:', JSON.stringify(results));
});

/** Scrolls the log viewer for `frames` animation frames; returns frame-time stats (ms). */
async function scrollFrames(page: Page, frames: number) {
  return page.evaluate(async (n) => {
    const el = document.querySelector('[data-testid="log-viewer"]') as HTMLElement;
    const stats = (d: number[]) => {
      const s = [...d].sort((a, b) => a - b);
      const q = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))] * 10) / 10;
      return { frames: s.length, p50: q(0.5), p95: q(0.95), max: q(1), over33: s.filter((x) => x > 33.4).length };
    };
    // baseline: frames with nothing to do (on a loaded machine these are slow too)
    const idle: number[] = [];
    let prev = performance.now();
    for (let i = 0; i < 30; i++) { await new Promise((r) => requestAnimationFrame(r)); const t = performance.now(); idle.push(t - prev); prev = t; }
    const deltas: number[] = [];
    let last = performance.now();
    await new Promise<void>((done) => {
      let i = 0;
      const step = (t: number) => {
        deltas.push(t - last); last = t;
        // steady fast scrolling, with a long jump every 50 frames (dragging the thumb)
        if (i % 50 === 49) el.scrollTop = Math.random() * (el.scrollHeight - el.clientHeight);
        else el.scrollTop += 1200;
        if (++i < n) requestAnimationFrame(step); else done();
      };
      requestAnimationFrame(step);
    });
    deltas.shift();
    return { ...stats(deltas), idleBaseline: stats(idle) };
  }, frames);
}

test('dashboard first load', async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: WEB, viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  const login = await ctx.request.post('/engine/auth/login', { headers: { Origin: WEB, 'content-type': 'application/json' }, data: ADMIN });
  expect(login.status()).toBe(204);
  const page = await ctx.newPage();
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    await page.goto('/containers', { waitUntil: 'commit' });
    await expect(page.locator(`${tid(testIds.containers.table)}, ${tid(testIds.containers.empty)}`)).toBeVisible();
    samples.push(Math.round(await page.evaluate(() => performance.now())));
    if (i === 0) {
      const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming; return { ttfb: Math.round(n.responseStart), domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }; });
      results.firstLoadNavigation = nav;
    }
  }
  results.firstLoadMs = { cold: samples[0], warm: samples.slice(1) };
  await ctx.close();
});

test('log viewer: 1,000,000 synthetic lines', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/bench/logs?n=1000000', { waitUntil: 'commit' });
  await expect(page.locator(tid(testIds.logs.row)).first()).toBeVisible({ timeout: 60_000 });
  const firstLine = await page.evaluate(() => ({ atMs: Math.round(performance.now()), genMs: Math.round((window as unknown as { __benchGenMs: number }).__benchGenMs) }));
  await expect(page.locator(tid(testIds.logs.viewer))).toHaveAttribute('data-count', '1000000');
  const frames = await scrollFrames(page, 120);
  await shot(page, '20-bench-1m-lines');
  results.synthetic1M = { timeToFirstLineMs: firstLine.atMs, generateMs: firstLine.genMs, scroll: frames };
  expect(frames.p50).toBeLessThan(2000); // a sanity bound only: the numbers go to perf.json
});

// Minutes on a loaded 2-CPU machine: opt-in (E2E_PERF_REAL=1), not part of every CI run.
test('log viewer: a real 1,000,000-line container log', async ({ browser }) => {
  test.skip(process.env.E2E_PERF_REAL !== '1', 'set E2E_PERF_REAL=1 to stream a real 1,000,000-line log');
  test.setTimeout(400_000);
  const ctx = await browser.newContext({ baseURL: WEB, viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await ctx.request.post('/engine/auth/login', { headers: { Origin: WEB, 'content-type': 'application/json' }, data: ADMIN });
  const page = await ctx.newPage();
  await page.goto('/containers');
  const run = await trpcMutation(page, 'containers.run', { image: 'busybox:latest', name: 'perf-seq', cmd: ['seq', '1', '1000000'] });
  expect(run.status, run.body).toBe(200);
  const id = (JSON.parse(run.body) as { result: { data: { id: string } } }).result.data.id;
  await expect.poll(async () => (await page.locator(tid(testIds.containers.row('perf-seq'))).getAttribute('data-state')), { timeout: 60_000 }).toBe('exited');
  const t0 = Date.now();
  await page.goto(`/containers/${id}/logs`);
  await expect(page.locator(tid(testIds.logs.row)).first()).toBeVisible({ timeout: 60_000 });
  const first = Date.now() - t0;
  await expect(page.locator(tid(testIds.logs.viewer))).toHaveAttribute('data-count', '1000000', { timeout: 200_000 });
  const all = Date.now() - t0;
  await page.locator(tid(testIds.logs.follow)).uncheck();
  const frames = await scrollFrames(page, 120);
  await shot(page, '21-logs-1m-real');
  results.real1M = { timeToFirstLineMs: first, timeToAllLinesMs: all, scroll: frames };
  await trpcMutation(page, 'containers.remove', { id, force: true });
  await ctx.close();
});

test('terminal keystroke-to-echo latency', async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: WEB });
  await ctx.request.post('/engine/auth/login', { headers: { Origin: WEB, 'content-type': 'application/json' }, data: ADMIN });
  const page = await ctx.newPage();
  await page.goto('/containers');
  const run = await trpcMutation(page, 'containers.run', { image: 'busybox:latest', name: 'perf-tty', cmd: ['sleep', '300'] });
  const id = (JSON.parse(run.body) as { result: { data: { id: string } } }).result.data.id;
  const open = await trpcMutation(page, 'terminals.open', { containerId: id, mode: 'exec', cmd: ['/bin/sh'] });
  expect(open.status, open.body).toBe(200);
  const sessionId = (JSON.parse(open.body) as { result: { data: { sessionId: string } } }).result.data.sessionId;
  const lat = await page.evaluate(async (sid) => {
    const ws = new WebSocket(`ws://${location.host}/engine/tty?session=${sid}`);
    ws.binaryType = 'arraybuffer';
    await new Promise((r) => { ws.onopen = r; });
    let waiter: ((s: string) => void) | null = null;
    const dec = new TextDecoder();
    ws.onmessage = (e) => { if (typeof e.data !== 'string' && waiter) waiter(dec.decode(e.data as ArrayBuffer)); };
    await new Promise((r) => setTimeout(r, 800)); // prompt
    const out: number[] = [];
    for (let i = 0; i < 60; i++) {
      const ch = String.fromCharCode(97 + (i % 26));
      const t0 = performance.now();
      await new Promise<void>((res) => { waiter = (s) => { if (s.includes(ch)) { waiter = null; res(); } }; ws.send(new TextEncoder().encode(ch)); });
      out.push(performance.now() - t0);
    }
    ws.close();
    out.sort((a, b) => a - b);
    return { n: out.length, p50: Math.round(out[30] * 10) / 10, p95: Math.round(out[57] * 10) / 10, max: Math.round(out[59] * 10) / 10 };
  }, sessionId);
  results.keystrokeEchoMs = lat;
  await trpcMutation(page, 'terminals.close', { sessionId });
  await trpcMutation(page, 'containers.remove', { id, force: true });
  await ctx.close();
});
