import { describe, expect, it } from 'vitest';
import { batched } from './batch.js';

async function collect<T>(g: AsyncIterable<T>): Promise<T[]> { const out: T[] = []; for await (const x of g) out.push(x); return out; }

describe('batched', () => {
  it('cuts batches at max items', async () => {
    async function* src() { for (let i = 0; i < 2500; i++) yield i; }
    const b = await collect(batched(src(), { max: 1000, ms: 50 }));
    expect(b.map((x) => x.length)).toEqual([1000, 1000, 500]);
    expect(b.flat()).toHaveLength(2500);
  });
  it('flushes a partial batch after ms while the source is quiet', async () => {
    async function* src() { yield 1; yield 2; await new Promise((r) => setTimeout(r, 200)); yield 3; }
    const t0 = Date.now();
    const seen: { b: number[]; at: number }[] = [];
    for await (const b of batched(src(), { max: 1000, ms: 30 })) seen.push({ b, at: Date.now() - t0 });
    // [1, 2] arriving alone proves the flush happened while the source slept 200 ms.
    expect(seen.map((s) => s.b)).toEqual([[1, 2], [3]]);
  });
  it('stops the source when the consumer stops', async () => {
    let finished = false;
    async function* src() { try { for (let i = 0; ; i++) yield i; } finally { finished = true; } }
    for await (const b of batched(src(), { max: 10, ms: 50 })) { expect(b).toHaveLength(10); break; }
    expect(finished).toBe(true);
  });
});
