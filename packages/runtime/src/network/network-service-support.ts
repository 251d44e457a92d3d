/**
 * @module network/network-service-support
 * The seams of LocalNetworkService (what it needs from the container side, its options, what its
 * attach returns) and its small error/lookup helpers, kept apart so the service file stays short.
 */
import { EngineError, errors } from '../errors/engine-error.js';
import type { Logger } from '../util/logger.js';
import type { ContainerRecord, EndpointState } from '../containers/container-types.js';
import type { BridgeNetworkManager } from './bridge-network-manager.js';
import type { AttachedNetwork, ContainerNetworkConfig } from './network-manager.js';
import type { AddressPool } from './subnet-pool.js';
import type { NetworkView } from './network-types.js';

/** What the network service needs from the container side; bound after both exist. */
export interface NetworkContainerAccess {
  all(): ContainerRecord[];
  get(id: string): ContainerRecord | undefined;
  /** Docker's lookup (id, name, prefix); throws 404. */
  resolve(ref: string): ContainerRecord;
  /** Runs under the container's own lock (the one start/stop take). */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T>;
  save(rec: ContainerRecord): Promise<void>;
  hostsPath(id: string): string;
}

export interface LocalNetworkServiceOptions {
  bridge: BridgeNetworkManager;
  stateDir: string;
  pools?: readonly AddressPool[];
  logger: Logger;
  /** Docker's `network` events (create, destroy, connect, disconnect). */
  events?: { publish(type: 'network', action: string, id: string, attributes: Record<string, string>): unknown };
}

/** AttachedNetwork plus the user-network endpoints (container-bundle.ts stores them). */
export interface MultiAttachedNetwork extends AttachedNetwork {
  endpoints?: Record<string, EndpointState>;
}

export function nextIf(taken: Set<string>): string {
  for (let i = 0; ; i++) if (!taken.has(`eth${i}`)) return `eth${i}`;
}

export function stub(cfg: ContainerNetworkConfig): ContainerRecord {
  return { id: cfg.containerId, name: cfg.containerId.slice(0, 12) } as ContainerRecord;
}

export function onlyOne<T>(xs: T[]): T | undefined {
  return xs.length === 1 ? xs[0] : undefined;
}

export function uniquePrefix(views: NetworkView[], ref: string): NetworkView | undefined {
  return /^[0-9a-f]+$/.test(ref) ? onlyOne(views.filter((v) => v.id.startsWith(ref))) : undefined;
}

/** moby's errdefs.Forbidden (libnetwork's ActiveEndpointsError, predefined networks…): 403. */
export function forbidden(message: string): EngineError {
  return new EngineError('PERMISSION_DENIED', message);
}

export function throwNotFound(ref: string): never {
  throw errors.notFoundMessage(`network ${ref} not found`);
}

export function throwNoContainer(ref: string): never {
  throw errors.notFound('container', ref);
}
