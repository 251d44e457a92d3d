/**
 * @module trpc
 * tRPC initialisation: the context carries EngineServices (built by berthd); the error formatter
 * adds the engine code so the UI can branch on it.
 */
import { initTRPC } from '@trpc/server';
import type { EngineServices } from '@berth/runtime';
import { codeOf, engineErrorOf } from '@berth/runtime/errors';

export interface ApiContext { services: EngineServices }

const t = initTRPC.context<ApiContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return { ...shape, data: { ...shape.data, engineCode: codeOf(cause), details: engineErrorOf(cause)?.opts.details ?? null } };
  },
});

export const router = t.router;
export const procedure = t.procedure;
