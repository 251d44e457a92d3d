/**
 * @module routers/registries
 * The caller's saved registry logins. Secrets go in (save) and never come back out: list returns
 * {id, server, username}; only images.push reads the decrypted password, server-side.
 * Any logged-in user manages their own list; pushing with it is admin-only (images.push).
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import type { RegistryPort } from '../web-port.js';
import { requireWeb, router, viewerProcedure, type ApiContext } from '../trpc.js';
import { callService } from '../errors.js';

function store(ctx: ApiContext): RegistryPort {
  const r = requireWeb(ctx).registries;
  if (!r) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'registry credentials not available' });
  return r;
}

export const registriesRouter = router({
  list: viewerProcedure.query(({ ctx }) => callService(() => store(ctx).list(ctx.user.username))),
  save: viewerProcedure.input(z.object({
    server: z.string().regex(/^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, 'server is host[:port]').max(256),
    username: z.string().min(1).max(256), password: z.string().min(1).max(4096),
  })).mutation(({ ctx, input }) => callService(() => store(ctx).save(ctx.user.username, input))),
  remove: viewerProcedure.input(z.object({ id: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => { await callService(() => store(ctx).remove(ctx.user.username, input.id)); return { ok: true }; }),
});
