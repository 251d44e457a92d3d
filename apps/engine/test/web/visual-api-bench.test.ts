/**
 * Issue 9's performance numbers on a real berthd: the layer explorer on a 20,000-file image (made
 * with `docker import` of a generated tar) — time to the first listing (cold: the scan) and to
 * expand a directory (warm) — and the changes tree of a container with 10,000 changes. The
 * numbers are printed; the bounds only catch a gross regression on this 2-CPU machine.
 * Opt-in (about 2 minutes): BERTH_BENCH=1 npx vitest run --config vitest.integration.config.ts test/web/visual-api-bench.test.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebEngine, type WebEngine } from './web-engine.js';

const enabled = process.env.BERTH_BENCH === '1';
let e: WebEngine;
let t: ReturnType<WebEngine['admin']['trpc']>;
let tmp = '';

beforeAll(async () => { if (!enabled) return; tmp = mkdtempSync('/tmp/bt-bench-'); e = await startWebEngine(); t = e.admin.trpc(); }, 90_000);
afterAll(async () => { await e?.stop(); if (tmp) rmSync(tmp, { recursive: true, force: true }); }, 180_000);

const ms = (t0: number) => Math.round(performance.now() - t0);

describe.skipIf(!enabled)('visual API performance', () => {
  it('lists a layer of a 20,000-file image', async () => {
    const root = path.join(tmp, 'root');
    for (let d = 0; d < 200; d++) {
      const dir = path.join(root, 'data', `d${d}`);
      mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(path.join(dir, `f${f}.txt`), `file ${d}/${f}\n`);
    }
    execFileSync('tar', ['-C', root, '-cf', path.join(tmp, 'big.tar'), '.']);
    execFileSync('docker', ['import', path.join(tmp, 'big.tar'), 'big:20k'], { env: { ...process.env, DOCKER_HOST: `unix://${e.socket}` }, stdio: 'ignore' });
    let t0 = performance.now();
    const first = await t.images.layerTree.query({ id: 'big:20k', layer: 0, path: '/' });
    const cold = ms(t0);
    expect(first.entries).toEqual([expect.objectContaining({ name: 'data', type: 'dir', children: 200 })]);
    t0 = performance.now();
    const data = await t.images.layerTree.query({ id: 'big:20k', layer: 0, path: '/data', limit: 500 });
    const expandData = ms(t0);
    t0 = performance.now();
    const d7 = await t.images.layerTree.query({ id: 'big:20k', layer: 0, path: '/data/d7' });
    const expandLeaf = ms(t0);
    t0 = performance.now();
    const layers = await t.images.layers.query({ id: 'big:20k' });
    const layersMs = ms(t0);
    expect(data.total).toBe(200);
    expect(d7.total).toBe(100);
    expect(layers[0]!.files).toBe(20_000);
    console.log(`BENCH layerTree 20k files: first listing (cold scan) ${cold} ms; expand /data (200 dirs) ${expandData} ms; expand /data/d7 (100 files) ${expandLeaf} ms; layers ${layersMs} ms`);
    expect(cold).toBeLessThan(20_000);
    expect(expandLeaf).toBeLessThan(1000);
  }, 180_000);

  it('draws the changes tree of a container with 10,000 changes', async () => {
    const { id } = await t.containers.run.mutate({
      image: 'busybox', name: 'many',
      cmd: ['sh', '-c', 'for d in $(seq 0 99); do mkdir -p /w/d$d && cd /w/d$d && seq 1 100 | xargs touch; done; touch /done; sleep 300'],
    });
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      const l = await t.files.list.query({ id, path: '/' });
      if (l.entries.some((x) => x.name === 'done')) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    let t0 = performance.now();
    const root = await t.containers.changesTree.query({ id, fresh: true });
    const cold = ms(t0);
    t0 = performance.now();
    const w = await t.containers.changesTree.query({ id, path: '/w' });
    const expandW = ms(t0);
    t0 = performance.now();
    const d7 = await t.containers.changesTree.query({ id, path: '/w/d7' });
    const expandLeaf = ms(t0);
    expect(root.changes).toBeGreaterThanOrEqual(10_000);
    expect(w.total).toBe(100);
    expect(d7.total).toBe(100);
    console.log(`BENCH changesTree ${root.changes} changes: first listing (scan) ${cold} ms; expand /w ${expandW} ms; expand /w/d7 ${expandLeaf} ms`);
    expect(cold).toBeLessThan(30_000);
    expect(expandLeaf).toBeLessThan(1000);
  }, 180_000);
});
