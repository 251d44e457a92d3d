import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildCache, stepKey } from './build-cache.js';

let tmp: string | undefined;
afterEach(async () => { if (tmp) await fs.rm(tmp, { recursive: true, force: true }); });

describe('BuildCache', () => {
  it('keys depend on parent, text and checksum', () => {
    const k = stepKey('sha256:p', 'RUN x', 'c');
    expect(stepKey('sha256:p', 'RUN x', 'c')).toBe(k);
    expect(new Set([k, stepKey('sha256:q', 'RUN x', 'c'), stepKey('sha256:p', 'RUN y', 'c'), stepKey('sha256:p', 'RUN x', 'd')]).size).toBe(4);
  });

  it('persists across reopen and only trusts entries whose image still exists', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-bc-'));
    const file = path.join(tmp, 'cache.json');
    const c1 = await BuildCache.open(file);
    c1.put('k1', 'sha256:img', 'sha256:parent');
    expect((await BuildCache.open(file)).get('k1', () => true)).toBeUndefined(); // not flushed yet
    await c1.flush();
    const c2 = await BuildCache.open(file);
    expect(c2.get('k1', () => true)).toBe('sha256:img');
    expect(c2.get('k1', (img, parent) => img === 'sha256:img' && parent === 'sha256:other')).toBeUndefined();
    expect(c2.get('nope', () => true)).toBeUndefined();
    expect(await c2.prune()).toBe(1);
    expect((await BuildCache.open(file)).get('k1', () => true)).toBeUndefined();
  });

  it('starts empty on a corrupt file', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-bc-'));
    await fs.writeFile(path.join(tmp, 'cache.json'), '{not json');
    expect((await BuildCache.open(path.join(tmp, 'cache.json'))).get('k', () => true)).toBeUndefined();
  });
});
