/**
 * @module routers/logs
 * Log viewing: `follow` streams history + live lines in batches (≤1000 lines / 50 ms, see
 * batch.ts), `search` scans the whole history server-side so the browser never holds it.
 * Both read through ContainerService.logs, the same call as `docker logs`.
 */
import { z } from 'zod';
import type { LogEntry } from '@berth/runtime';
import { router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';
import { batched } from '../batch.js';
import { TRPCError } from '@trpc/server';

export interface LogLine { stream: 'stdout' | 'stderr'; ts: string; text: string }

export function logLine(e: LogEntry): LogLine {
  let text = e.data.toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
  return { stream: e.stream, ts: e.time, text };
}

const SEARCH_BUDGET_MS = 10_000;

async function* lines(entries: AsyncIterable<LogEntry>): AsyncGenerator<LogLine> {
  for await (const e of entries) yield logLine(e);
}

function linked(signal: AbortSignal | undefined): AbortController {
  const ac = new AbortController();
  if (signal?.aborted) ac.abort();
  signal?.addEventListener('abort', () => ac.abort(), { once: true });
  return ac;
}

export function matcher(pattern: string, regex: boolean): (s: string) => boolean {
  if (!regex) { const p = pattern.toLowerCase(); return (s) => s.toLowerCase().includes(p); }
  let re: RegExp;
  try { re = new RegExp(pattern, 'i'); } catch (err) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `invalid regular expression: ${(err as Error).message}` });
  }
  return (s) => re.test(s);
}

export const logsRouter = router({
  follow: viewerProcedure.input(z.object({
    id: z.string().min(1).max(256),
    tail: z.number().int().min(0).optional(),
    since: z.number().min(0).optional(),
    until: z.number().min(0).optional(),
    timestamps: z.boolean().optional(),
    follow: z.boolean().default(true),
  })).subscription(async function* ({ ctx, input, signal }) {
    const ac = linked(signal);
    try {
      const { entries } = await callService(() => ctx.services.containers.logs(input.id, {
        follow: input.follow, stdout: true, stderr: true, signal: ac.signal,
        tail: input.tail ?? 'all',
        ...(input.since !== undefined ? { since: input.since } : {}),
        ...(input.until !== undefined ? { until: input.until } : {}),
      }));
      for await (const batch of batched(lines(entries), { max: 1000, ms: 50, signal: ac.signal })) yield { lines: batch };
    } finally { ac.abort(); }
  }),

  search: viewerProcedure.input(z.object({
    id: z.string().min(1).max(256),
    pattern: z.string().min(1).max(512),
    regex: z.boolean().default(false),
    limit: z.number().int().min(1).max(100_000).default(1000),
    since: z.number().min(0).optional(),
    until: z.number().min(0).optional(),
  })).query(async ({ ctx, input, signal }) => {
    const match = matcher(input.pattern, input.regex);
    const ac = linked(signal);
    const deadline = Date.now() + SEARCH_BUDGET_MS;
    const out: LogLine[] = [];
    let scanned = 0;
    let truncated = false;
    try {
      const { entries } = await callService(() => ctx.services.containers.logs(input.id, {
        follow: false, stdout: true, stderr: true, tail: 'all', signal: ac.signal,
        ...(input.since !== undefined ? { since: input.since } : {}),
        ...(input.until !== undefined ? { until: input.until } : {}),
      }));
      for await (const e of entries) {
        scanned++;
        const l = logLine(e);
        if (match(l.text)) { out.push(l); if (out.length >= input.limit) { truncated = true; break; } }
        // A pathological regex or a huge log must not pin the daemon's event loop forever.
        if ((scanned & 1023) === 0 && Date.now() > deadline) { truncated = true; break; }
      }
    } finally { ac.abort(); }
    return { lines: out, scanned, truncated };
  }),
});
