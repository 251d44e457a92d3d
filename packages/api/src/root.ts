/**
 * @module root
 * The dashboard's tRPC router (hosted by berthd; apps/web imports only its type).
 */
import { router } from './trpc.js';
import { containersRouter } from './routers/containers.js';

export const appRouter = router({ containers: containersRouter });
export const createAppRouter = () => appRouter;
export type AppRouter = typeof appRouter;
