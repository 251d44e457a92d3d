/**
 * @module routers/images
 * Image procedures over ImageService. `pull` streams ImageService.pull's progress events (the same
 * as `docker pull`'s JSON lines, camelCase) and ends with {status:'done'}; an engine without a pull
 * service fails it with PRECONDITION_FAILED "pull not available".
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { adminProcedure, router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';
import { imageRow } from '../mappers.js';

/** Progress objects pass through as JSON; bigints or Buffers would break the wire. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null');

export const imagesRouter = router({
  list: viewerProcedure.query(async ({ ctx }) => (await callService(() => ctx.services.images.list())).map(imageRow)),
  inspect: viewerProcedure.input(z.object({ id: z.string().min(1).max(512) }))
    .query(async ({ ctx, input }) => ({ ...imageRow(await callService(() => ctx.services.images.inspect(input.id))),
      history: await callService(() => ctx.services.images.history(input.id)) })),
  remove: adminProcedure.input(z.object({ id: z.string().min(1).max(512), force: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => callService(() => ctx.services.images.remove(input.id, { force: input.force }))),
  tag: adminProcedure.input(z.object({ source: z.string().min(1).max(512), repo: z.string().min(1).max(256), tag: z.string().regex(/^[\w][\w.-]{0,127}$/).default('latest') }))
    .mutation(async ({ ctx, input }) => { await callService(() => ctx.services.images.tag(input.source, input.repo, input.tag)); return { ok: true }; }),
  pull: adminProcedure.input(z.object({ image: z.string().min(1).max(512) })).subscription(async function* ({ ctx, input, signal }) {
    const images = ctx.services.images;
    if (typeof images.pull !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'pull not available' });
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    try {
      const it = images.pull(input.image, { signal: ac.signal })[Symbol.asyncIterator]();
      for (;;) {
        const r = await callService(() => it.next());
        if (r.done) break;
        yield plain(r.value) as { status: string; id?: string; current?: number; total?: number };
      }
      yield { status: 'done', id: input.image };
    } finally { ac.abort(); }
  }),
});
