/**
 * @module root
 * The dashboard's tRPC router (hosted by berthd; apps/web imports only its type).
 */
import { router, viewerProcedure } from './trpc.js';
import { containersRouter } from './routers/containers.js';
import { logsRouter } from './routers/logs.js';
import { imagesRouter } from './routers/images.js';
import { eventsRouter, systemRouter } from './routers/system.js';
import { terminalsRouter } from './routers/terminals.js';
import { usersRouter } from './routers/users.js';

export const appRouter = router({
  containers: containersRouter,
  logs: logsRouter,
  images: imagesRouter,
  system: systemRouter,
  events: eventsRouter,
  terminals: terminalsRouter,
  users: usersRouter,
  me: viewerProcedure.query(({ ctx }) => ctx.user),
});
export const createAppRouter = () => appRouter;
export type AppRouter = typeof appRouter;
