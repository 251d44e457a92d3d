/**
 * @module @berth/api
 * The dashboard API: tRPC router, its error table, the web host's ports, and the browser-safe
 * status module.
 */
export { appRouter, createAppRouter, type AppRouter } from './root.js';
export { TRPC_CODE, toTrpcError } from './errors.js';
export type { ApiContext } from './trpc.js';
export type { Role, WebUser, WebPort, TerminalPort, TerminalInfo, TerminalMode, TerminalOpenRequest, UserPort } from './web-port.js';
export type { ContainerRow, PortRow, EventRow } from './mappers.js';
export type { StatRow } from './routers/containers.js';
export type { LogLine } from './routers/logs.js';
export type { RegistryInfo, RegistryPort } from './web-port.js';
export type { ChangeTreeEntry, ChangeTreeListing, ChangeCounts, ChangeLetter } from './changes-tree.js';
export type { TopRow } from './routers/stats.js';
export { CONTAINER_STATUSES, DOCKER_STATE, decide, type ContainerStatus, type ContainerOp, type Verdict } from '@berth/runtime/status';
