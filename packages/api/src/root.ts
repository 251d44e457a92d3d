/**
 * @module root
 * The dashboard's tRPC router (hosted by berthd; apps/web imports only its type).
 */
import { mergeRouters, router, viewerProcedure } from './trpc.js';
import { containersRouter } from './routers/containers.js';
import { logsRouter } from './routers/logs.js';
import { imagesRouter } from './routers/images.js';
import { eventsRouter, systemRouter } from './routers/system.js';
import { terminalsRouter } from './routers/terminals.js';
import { usersRouter } from './routers/users.js';
import { imageLayersRouter } from './routers/image-layers.js';
import { containerChangesRouter } from './routers/container-changes.js';
import { portsRouter } from './routers/ports.js';
import { statsRouter } from './routers/stats.js';
import { filesRouter } from './routers/files.js';
import { registriesRouter } from './routers/registries.js';

export const appRouter = router({
  containers: mergeRouters(containersRouter, containerChangesRouter),
  logs: logsRouter,
  images: mergeRouters(imagesRouter, imageLayersRouter),
  system: systemRouter,
  events: eventsRouter,
  terminals: terminalsRouter,
  users: usersRouter,
  ports: portsRouter,
  stats: statsRouter,
  files: filesRouter,
  registries: registriesRouter,
  me: viewerProcedure.query(({ ctx }) => ctx.user),
});
export const createAppRouter = () => appRouter;
export type AppRouter = typeof appRouter;
