/**
 * @module @berth/runtime
 * Public surface for transports: the EngineServices facade, domain types, errors and the status
 * machine. Transports must not import anything deeper.
 */
export * from './services.js';
export * from './containers/container-types.js';
export * from './containers/commit-types.js';
export * from './containers/container-archive-types.js';
export type { PruneFilters } from './containers/prune-filter.js';
export type { ImagePruneOptions } from './images/image-prune.js';
export type { DiskUsage, ImageUsage, ContainerUsage, VolumeUsage } from './system/disk-usage.js';
export * from './containers/status.js';
export * from './images/image-types.js';
export * from './errors/engine-error.js';
export { createEngine, type Engine, type EngineOptions } from './create-engine.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './util/logger.js';
export type { EngineEvent, EventType } from './events/event-bus.js';
export { EventBus } from './events/event-bus.js';
export { streamEvents, eventMatcher, EVENT_FILTER_KEYS } from './events/event-stream.js';
export { AsyncQueue } from './util/async-queue.js';
export { MASKED_PATHS, READONLY_PATHS } from './containers/oci-spec.js';
