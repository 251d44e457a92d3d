/**
 * @module trpc
 * tRPC initialisation: the context carries EngineServices (built by berthd), the logged-in user
 * and the web host's ports; the error formatter adds the engine code so the UI can branch on it.
 * Authorization lives here, in the procedures, never only in the Next.js proxy (CVE-2025-29927):
 * `viewerProcedure` = any live session, `adminProcedure` = role admin.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { EngineServices } from '@berth/runtime';
import { codeOf, engineErrorOf } from '@berth/runtime/errors';
import type { WebPort, WebUser } from './web-port.js';

export interface ApiContext {
  services: EngineServices;
  user: WebUser | null;
  sessionId: string | null;
  /** Absent when the router is used without the web host (tests of pure procedures). */
  web?: WebPort;
}

const t = initTRPC.context<ApiContext>().create({
  // Never send stack traces (host paths) to browsers, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return { ...shape, data: { ...shape.data, engineCode: codeOf(cause), details: engineErrorOf(cause)?.opts.details ?? null } };
  },
});

export const router = t.router;
/** Extends an existing namespace (e.g. `images`) with procedures kept in another file. */
export const mergeRouters = t.mergeRouters;
/** No authentication: nothing in the app router uses it; kept for hosts that wrap their own. */
export const procedure = t.procedure;

export const viewerProcedure = t.procedure.use(({ ctx, next }) => {
  const { user, sessionId } = ctx;
  // A ws connection keeps its context for its lifetime: re-check the session on every call.
  if (!user || !sessionId || (ctx.web && !ctx.web.sessionAlive(sessionId))) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'not logged in' });
  }
  return next({ ctx: { ...ctx, user, sessionId } });
});

export const adminProcedure = viewerProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'admin role required' });
  return next();
});

export function requireWeb(ctx: ApiContext): WebPort {
  if (!ctx.web) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'web host not available' });
  return ctx.web;
}
