/**
 * @module routers/system
 * Engine info (with the runc warning among `warnings`) and the live event feed.
 */
import { z } from 'zod';
import { router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';
import { eventRow } from '../mappers.js';

export const systemRouter = router({
  info: viewerProcedure.query(async ({ ctx }) => ({ ...(await callService(() => ctx.services.system.info())), version: ctx.services.system.version() })),
});

export const eventsRouter = router({
  /** `since`: ms since the epoch; replays the engine's event buffer from there, then live. */
  stream: viewerProcedure.input(z.object({ since: z.number().min(0).optional() }).default({})).subscription(async function* ({ ctx, input, signal }) {
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    try {
      const opts = { signal: ac.signal, ...(input.since !== undefined ? { sinceNano: BigInt(Math.floor(input.since)) * 1_000_000n } : {}) };
      for await (const e of ctx.services.events.subscribe(opts)) yield eventRow(e);
    } finally { ac.abort(); }
  }),
});
