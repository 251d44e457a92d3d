/**
 * @module routers/containers
 * Container procedures; each calls the same EngineServices method the Docker API route calls.
 */
import { z } from 'zod';
import { procedure, router } from '../trpc.js';
import { toTrpcError } from '../errors.js';

const Ref = z.object({ id: z.string().min(1).max(256) });
const call = async <T>(fn: () => Promise<T>): Promise<T> => {
  try { return await fn(); } catch (err) { throw toTrpcError(err); }
};

export const containersRouter = router({
  list: procedure.input(z.object({ all: z.boolean().default(true) }).default({ all: true }))
    .query(({ ctx, input }) => call(() => ctx.services.containers.list({ all: input.all }))),
  inspect: procedure.input(Ref).query(({ ctx, input }) => call(() => ctx.services.containers.inspect(input.id))),
  start: procedure.input(Ref).mutation(({ ctx, input }) => call(() => ctx.services.containers.start(input.id))),
  stop: procedure.input(Ref).mutation(({ ctx, input }) => call(() => ctx.services.containers.stop(input.id))),
  remove: procedure.input(Ref.extend({ force: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => call(() => ctx.services.containers.remove(input.id, { force: input.force }))),
});
