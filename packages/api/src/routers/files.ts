/**
 * @module routers/files
 * The container file browser (running or stopped): one paginated directory per call through the
 * engine's confined resolver; `write` (admin) uploads or saves one file through the confined cp-in
 * (tRPC bodies are capped at 1 MiB, so uploads are ≤ 700 KiB as base64; downloads are
 * GET /files/<id>?path=… on the web listener).
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { adminProcedure, router, viewerProcedure } from '../trpc.js';
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
  write: adminProcedure.input(z.object({
    id: z.string().min(1).max(256), path: z.string().min(2).max(4096),
    content: z.string().max(768 * 1024).optional(), contentBase64: z.string().max(960 * 1024).optional(),
    mode: z.number().int().min(0).max(0o7777).optional(),
  }).refine((x) => (x.content === undefined) !== (x.contentBase64 === undefined), 'give exactly one of content, contentBase64'))
    .mutation(async ({ ctx, input }) => {
      const c = ctx.services.containers;
      if (typeof c.writeFile !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'file upload not available' });
      const data = input.content !== undefined ? Buffer.from(input.content, 'utf8') : Buffer.from(input.contentBase64!, 'base64');
      await callService(() => c.writeFile!(input.id, input.path, data, input.mode));
      return { ok: true, size: data.length };
    }),
});
