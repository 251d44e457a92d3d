/**
 * @module routers/files
 * The container file browser (running or stopped): one paginated directory per call through the
 * engine's confined resolver. Downloads and uploads use the Docker archive route.
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';

export const filesRouter = router({
  list: viewerProcedure.input(z.object({
    id: z.string().min(1).max(256), path: z.string().min(1).max(4096).default('/'),
    offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(10_000).default(1000),
  })).query(({ ctx, input }) => {
    const c = ctx.services.containers;
    if (typeof c.listDir !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'file browser not available' });
    return callService(() => c.listDir!(input.id, input.path, { offset: input.offset, limit: input.limit }));
  }),
});
