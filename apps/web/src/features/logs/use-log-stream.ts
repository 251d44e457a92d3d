'use client';
/**
 * @module features/logs/use-log-stream
 * Streams logs.follow for one or more containers into one array held in a ref. Batches arrive
 * ≤1000 lines at a time; the component re-renders at most once per animation frame (the
 * `version` bump), so a million-line history costs ~1000 cheap pushes, not a million renders.
 * The merged view keeps the array ordered by timestamp (RFC 3339 strings sort lexically).
 */
import { useEffect, useRef, useState } from 'react';
import type { LogLine } from '@berth/ui';
import { useTRPCClient } from '@/trpc/client';

export interface LogSource { id: string; name: string }

export interface LogStreamOptions {
  sources: LogSource[];
  tail?: number;
  since?: number;
  until?: number;
  follow: boolean;
  /** lines kept in memory; older ones are dropped (the whole log stays downloadable) */
  maxLines?: number;
}

export function useLogStream(opts: LogStreamOptions) {
  const client = useTRPCClient();
  const lines = useRef<LogLine[]>([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState('');
  const [ended, setEnded] = useState(0);
  const key = JSON.stringify([opts.sources.map((s) => s.id), opts.tail, opts.since, opts.until, opts.follow]);

  useEffect(() => {
    lines.current = [];
    setVersion((v) => v + 1);
    setError('');
    setEnded(0);
    const merged = opts.sources.length > 1;
    const max = opts.maxLines ?? 2_000_000;
    let raf = 0;
    let unsorted = false;
    const flush = () => {
      raf = 0;
      if (unsorted) { lines.current.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)); unsorted = false; }
      if (lines.current.length > max) lines.current.splice(0, lines.current.length - max);
      setVersion((v) => v + 1);
    };
    const started = new Set<string>();
    const subs = opts.sources.map((src) => client.logs.follow.subscribe({
      id: src.id, follow: opts.follow,
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
    }, {
      onData: ({ lines: batch }) => {
        const arr = lines.current;
        const last = arr.length ? arr[arr.length - 1].ts : '';
        for (const l of batch) arr.push(merged ? { ...l, source: src.name } : l);
        if (merged && batch.length && batch[0].ts < last) unsorted = true;
        if (!raf) raf = requestAnimationFrame(flush);
      },
      // The ws link resubscribes after a reconnect and the engine replays the history from the
      // start: drop what this source sent before, or every line would appear twice.
      onStarted: () => {
        if (started.has(src.id)) {
          lines.current = merged ? lines.current.filter((l) => l.source !== src.name) : [];
          if (!raf) raf = requestAnimationFrame(flush);
        }
        started.add(src.id);
      },
      onError: (e) => setError(e.message),
      onComplete: () => setEnded((n) => n + 1),
    }));
    return () => { subs.forEach((s) => s.unsubscribe()); cancelAnimationFrame(raf); };
    // `key` captures every option that changes the stream
  }, [key, client]); // eslint-disable-line react-hooks/exhaustive-deps

  return { lines: lines.current, version, error, ended: ended >= opts.sources.length && opts.sources.length > 0 };
}
