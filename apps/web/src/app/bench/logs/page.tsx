'use client';
/**
 * A synthetic log page for the performance benchmark (no engine, no auth, no data): renders
 * ?n= generated lines (default 1,000,000) with ANSI colours and stderr rows in the real
 * LogViewer, so e2e can measure time-to-first-line and frame time while scrolling.
 */
import { Suspense, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'next/navigation';
import { LogViewer, type LogLine } from '@berth/ui';

function Bench() {
  const n = Number(useSearchParams().get('n') ?? 1_000_000);
  const lines = useRef<LogLine[]>([]);
  const [version, setVersion] = useState(0);
  const [follow, setFollow] = useState(false);
  useEffect(() => {
    const t0 = performance.now();
    const arr: LogLine[] = new Array(n);
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < n; i++) {
      const ts = new Date(base + i).toISOString();
      arr[i] = i % 10 === 7
        ? { stream: 'stderr', ts, text: `\x1b[31mERROR\x1b[0m request ${i} failed: connection reset by peer` }
        : { stream: 'stdout', ts, text: `\x1b[32mINFO\x1b[0m GET /api/items/${i} 200 ${i % 97}ms user=${i % 13}` };
    }
    lines.current = arr;
    (window as unknown as { __benchGenMs: number }).__benchGenMs = performance.now() - t0;
    setVersion(1);
  }, [n]);
  return (
    <div className="p-4">
      <div className="mb-2 text-sm" data-testid="bench-ready" data-ready={version > 0}>{lines.current.length.toLocaleString('en-US')} lines</div>
      <LogViewer lines={lines.current} version={version} follow={follow} onFollowChange={setFollow} showTimestamps className="h-[80vh]" />
    </div>
  );
}

export default function LogBenchPage() {
  return <Suspense><Bench /></Suspense>;
}
