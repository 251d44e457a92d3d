'use client';
/**
 * @module log-viewer/log-viewer
 * A virtualized log view: only the rows on screen (plus overscan) exist in the DOM, every row has
 * the same height, and ANSI parsing happens per visible row, so 1,000,000 lines scroll like 100.
 * The scroll area is capped (MAX_SCROLL_PX): a 1M-line list would otherwise be an 18M-pixel
 * layer, which made every frame slow in Chromium; past the cap, scroll position maps onto lines
 * proportionally.
 * The caller owns the line array and appends to it in place (no copy per batch); `version` tells
 * the view that it grew. "Follow" sticks to the bottom until the user scrolls up.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { cn } from '../cn.js';
import { parseAnsi } from './ansi.js';
import { testIds } from '../test-ids.js';

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 (nanoseconds allowed) */
  ts: string;
  text: string;
  /** container name, for the merged view */
  source?: string;
}

export interface LogViewerProps {
  lines: readonly LogLine[];
  /** bump when `lines` changed in place */
  version: number;
  follow: boolean;
  onFollowChange?: (follow: boolean) => void;
  showTimestamps?: boolean;
  showSource?: boolean;
  rowHeight?: number;
  empty?: ReactNode;
  className?: string;
}

const SOURCE_COLORS = ['text-sky-500', 'text-violet-500', 'text-amber-500', 'text-emerald-500', 'text-pink-500', 'text-cyan-500'];

function sourceColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
  return SOURCE_COLORS[Math.abs(h) % SOURCE_COLORS.length];
}

export function formatLogTime(ts: string): string {
  return ts.length >= 23 ? ts.slice(0, 23).replace('T', ' ') : ts;
}

function LogText({ text }: { text: string }) {
  const segs = parseAnsi(text);
  if (segs.length === 1 && Object.keys(segs[0].style).length === 0) return <>{segs[0].text}</>;
  return (
    <>
      {segs.map((s, i) => (
        <span
          key={i}
          style={{
            color: s.style.fg, backgroundColor: s.style.bg,
            fontWeight: s.style.bold ? 600 : undefined, opacity: s.style.dim ? 0.6 : undefined,
            fontStyle: s.style.italic ? 'italic' : undefined, textDecoration: s.style.underline ? 'underline' : undefined,
          }}
        >
          {s.text}
        </span>
      ))}
    </>
  );
}

interface LogRowProps { index: number; start: number; line: LogLine; rowHeight: number; showTimestamps: boolean; showSource: boolean }

/** Memoized: while scrolling, rows that stay on screen are not rendered again. */
const LogRow = memo(function LogRow({ index, start, line: l, rowHeight, showTimestamps, showSource }: LogRowProps) {
  return (
    <div
      data-testid={testIds.logs.row}
      data-stream={l.stream}
      data-index={index}
      className={cn(
        'absolute left-0 top-0 flex min-w-full whitespace-pre pr-4',
        l.stream === 'stderr'
          ? 'border-l-2 border-red-500 bg-red-500/5 text-red-700 dark:text-red-300'
          : 'border-l-2 border-transparent hover:bg-zinc-200/50 dark:hover:bg-zinc-800/50',
      )}
      style={{ height: rowHeight, lineHeight: `${rowHeight}px`, transform: `translateY(${start}px)` }}
    >
      <span className="w-16 shrink-0 select-none pr-2 text-right text-zinc-400 dark:text-zinc-600">{index + 1}</span>
      {showTimestamps ? <span className="shrink-0 select-none pr-3 text-zinc-500">{formatLogTime(l.ts)}</span> : null}
      {showSource && l.source ? <span className={cn('shrink-0 pr-3 font-semibold', sourceColor(l.source))}>{l.source}</span> : null}
      <span><LogText text={l.text} /></span>
    </div>
  );
});

/** Browsers slow down (and some cap) with multi-million-pixel scroll areas; above this height
 *  the scrollbar maps proportionally onto the lines, and the wheel still scrolls pixel-exact. */
const MAX_SCROLL_PX = 2_000_000;
const OVERSCAN = 8;

export function LogViewer({
  lines, version, follow, onFollowChange, showTimestamps = false, showSource = false, rowHeight = 18, empty, className,
}: LogViewerProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const followRef = useRef(follow);
  followRef.current = follow;
  const count = lines.length;
  const [view, setView] = useState({ top: 0, height: 600 });
  const contentH = count * rowHeight;
  const spacerH = Math.min(contentH, MAX_SCROLL_PX);
  const scale = contentH > MAX_SCROLL_PX && spacerH > view.height ? (contentH - view.height) / (spacerH - view.height) : 1;
  const scaleRef = useRef(scale);
  scaleRef.current = scale;
  const virtualTop = view.top * scale;
  const first = Math.max(0, Math.floor(virtualTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((virtualTop + view.height) / rowHeight) + OVERSCAN);

  // Only a scroll the user made may turn follow off: layout changes (a panel opening above,
  // a resize) also fire scroll events and must not.
  const userAt = useRef(0);
  const markUser = () => { userAt.current = performance.now(); };

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const sync = () => setView({ top: el.scrollTop, height: el.clientHeight });
    sync();
    const ro = new ResizeObserver(sync);
    ro.observe(el);
    // pixel-exact wheel scrolling even when the scrollbar is scaled
    const onWheel = (e: WheelEvent) => {
      markUser();
      const k = scaleRef.current;
      if (k <= 1 || e.shiftKey) return;
      e.preventDefault();
      const dy = e.deltaMode === 1 ? e.deltaY * rowHeight : e.deltaMode === 2 ? e.deltaY * el.clientHeight : e.deltaY;
      el.scrollTop += dy / k;
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => { ro.disconnect(); el.removeEventListener('wheel', onWheel); };
  }, [rowHeight]);

  useEffect(() => {
    const el = scrollRef.current;
    if (follow && el && count > 0) el.scrollTop = el.scrollHeight;
    // `version` is what changes when lines are appended in place
  }, [version, count, follow]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (!onFollowChange) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight * 2;
    if (performance.now() - userAt.current > 1000) {
      if (followRef.current && !atBottom && count > 0) el.scrollTop = el.scrollHeight;
      return;
    }
    if (followRef.current && !atBottom) onFollowChange(false);
    else if (!followRef.current && atBottom && count > 0) onFollowChange(true);
  };

  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <LogRow key={i} index={i} start={Math.round(view.top + i * rowHeight - virtualTop)} line={lines[i]} rowHeight={rowHeight}
        showTimestamps={showTimestamps} showSource={showSource} />,
    );
  }

  return (
    <div
      ref={scrollRef}
      data-testid={testIds.logs.viewer}
      data-count={count}
      onScroll={onScroll}
      onPointerDown={markUser}
      onKeyDown={markUser}
      onTouchMove={markUser}
      tabIndex={0}
      className={cn(
        'relative overflow-auto rounded-md border border-zinc-200 bg-zinc-50 font-mono text-xs text-zinc-800',
        'dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-200 focus:outline-none',
        className,
      )}
      // no scroll anchoring: Chrome's anchor selection costs time per scroll on huge lists
      style={{ contain: 'strict', overflowAnchor: 'none' }}
    >
      {count === 0 ? (
        <div className="p-4 text-zinc-500">{empty ?? 'No log lines yet.'}</div>
      ) : (
        <div style={{ height: spacerH, width: '100%', position: 'relative' }}>{rows}</div>
      )}
    </div>
  );
}
