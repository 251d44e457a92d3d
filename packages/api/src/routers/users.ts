/**
 * @module routers/users
 * Dashboard users (admin only). Passwords are hashed by the web host's store, never here.
 */
import { z } from 'zod';
import { adminProcedure, requireWeb, router } from '../trpc.js';
import { callService } from '../errors.js';
import { TRPCError } from '@trpc/server';

export const Username = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, 'username: letters, digits, _ . -');
export const Password = z.string().min(8, 'password: at least 8 characters').max(1024);

export const usersRouter = router({
  list: adminProcedure.query(({ ctx }) => callService(() => requireWeb(ctx).users.list())),
  create: adminProcedure.input(z.object({ username: Username, password: Password, role: z.enum(['admin', 'viewer']) }))
    .mutation(async ({ ctx, input }) => { await callService(() => requireWeb(ctx).users.create(input)); return { ok: true }; }),
  remove: adminProcedure.input(z.object({ username: Username })).mutation(async ({ ctx, input }) => {
    if (input.username === ctx.user.username) throw new TRPCError({ code: 'BAD_REQUEST', message: 'you cannot remove yourself' });
    await callService(() => requireWeb(ctx).users.remove(input.username));
    return { ok: true };
  }),
});
