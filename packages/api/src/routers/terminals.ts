/**
 * @module routers/terminals
 * Server-side terminal sessions (the manager lives in berthd's web host). Opening and closing is
 * for admins; anyone logged in may list and watch (read-only for viewers, enforced on /tty).
 */
import { z } from 'zod';
import { adminProcedure, requireWeb, router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';
import { TRPCError } from '@trpc/server';

export const terminalsRouter = router({
  open: adminProcedure.input(z.object({
    containerId: z.string().min(1).max(256),
    mode: z.enum(['attach', 'exec']).default('exec'),
    cmd: z.array(z.string().max(4096)).min(1).max(64).optional(),
    user: z.string().regex(/^[a-zA-Z0-9_.-]+(:[a-zA-Z0-9_.-]+)?$/).max(64).optional(),
    cols: z.number().int().min(1).max(1000).optional(),
    rows: z.number().int().min(1).max(1000).optional(),
  })).mutation(({ ctx, input }) => callService(() =>
    requireWeb(ctx).terminals.open({ username: ctx.user.username, authSessionId: ctx.sessionId }, input))),
  list: viewerProcedure.query(({ ctx }) => requireWeb(ctx).terminals.list()),
  close: adminProcedure.input(z.object({ sessionId: z.string().min(1).max(128) })).mutation(({ ctx, input }) => {
    if (!requireWeb(ctx).terminals.close(input.sessionId)) throw new TRPCError({ code: 'NOT_FOUND', message: 'no such terminal session' });
    return { ok: true };
  }),
});
