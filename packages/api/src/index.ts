/**
 * @module @berth/api
 * The dashboard API: tRPC router, its error table, and the browser-safe status module.
 */
export { appRouter, createAppRouter, type AppRouter } from './root.js';
export { TRPC_CODE, toTrpcError } from './errors.js';
export type { ApiContext } from './trpc.js';
export { CONTAINER_STATUSES, DOCKER_STATE, decide, type ContainerStatus, type ContainerOp, type Verdict } from '@berth/runtime/status';
