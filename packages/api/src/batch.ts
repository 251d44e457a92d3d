/**
 * @module batch
 * Groups a fast async stream into batches: a batch is sent when it holds `max` items or when
 * `ms` passed since its first item. This is the log stream's backpressure: the source is only
 * pulled while the consumer takes batches, and a million lines cost ~1000 frames, not a million.
 */
export async function* batched<T>(source: AsyncIterable<T>, opts: { max: number; ms: number; signal?: AbortSignal }): AsyncGenerator<T[]> {
  const it = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  let buf: T[] = [];
  let firstAt = 0;
  try {
    for (;;) {
      if (opts.signal?.aborted) return;
      pending ??= it.next();
      let r: IteratorResult<T> | 'timeout';
      if (buf.length === 0) {
        r = await pending;
      } else {
        const left = Math.max(0, opts.ms - (Date.now() - firstAt));
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<'timeout'>((res) => { timer = setTimeout(() => res('timeout'), left); });
        r = await Promise.race([pending, tick]);
        clearTimeout(timer);
      }
      if (r === 'timeout') { yield buf; buf = []; continue; }
      pending = null;
      if (r.done) { if (buf.length) yield buf; return; }
      if (buf.length === 0) firstAt = Date.now();
      buf.push(r.value);
      if (buf.length >= opts.max) { yield buf; buf = []; }
    }
  } finally {
    // Not awaited: with a next() in flight, return() queues behind it, and a quiet followed log
    // would hold it forever. The source ends through the caller's AbortSignal instead.
    void Promise.resolve(it.return?.()).catch(() => undefined);
  }
}
