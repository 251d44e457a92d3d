/**
 * @module containers/container-context
 * Shared state and dependencies of the container service's operation files: the record store,
 * per-container locks, waiters, pending attach sessions, and the one place that changes status
 * (`transition`: assert the edge, persist, publish).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord, ContainerState, LogEntry } from './container-types.js';
import { canTransition, type ContainerStatus } from './status.js';
import type { ContainerRepository } from '../metadata/container-repository.js';
import type { ImageRecord } from '../images/image-types.js';
import type { CommitLayerInput } from '../images/image-commit.js';
import type { Mounter, Snapshotter } from '../snapshots/snapshotter.js';
import type { TaskManager } from '../task/task-manager.js';
import type { ReadLogOptions } from '../logs/log-reader.js';
import type { EventBus } from '../events/event-bus.js';
import { KeyedMutex } from '../util/mutex.js';
import { WaitRegistry } from './wait-registry.js';
import { RestartManager } from './restart-manager.js';
import type { PendingAttachSession } from './attach-session.js';
import { errors } from '../errors/engine-error.js';
import type { Logger } from '../util/logger.js';
import type { VolumeService } from '../volumes/volume-types.js';

/** The network seam as the container service needs it (network/network-manager.ts implements it). */
export interface ContainerNetworking {
  attach(cfg: { containerId: string; mode: string; hostname: string }): Promise<{
    netnsPath: string | null; ipAddress: string; ipPrefixLen: number; gateway: string; macAddress: string; networkName: string;
  }>;
  detach(containerId: string): Promise<void>;
}

/** Published ports (network/port-publisher.ts implements it). */
export interface ContainerPortPublishing {
  publish(req: {
    containerId: string; name: string; containerIp: string; publishAll: boolean;
    portBindings: Record<string, { hostIp: string; hostPort: string }[]>; exposedPorts: Record<string, unknown>;
  }): Promise<Record<string, { hostIp: string; hostPort: string }[]>>;
  unpublish(containerId: string): Promise<void>;
}

export interface ContainerDeps {
  repo: ContainerRepository;
  images: {
    resolve(refOrId: string): Promise<ImageRecord>;
    /** `docker commit`'s image half (LocalImageService); absent → commit is NOT_IMPLEMENTED. */
    commitLayer?(input: CommitLayerInput): Promise<{ id: string }>;
  };
  snapshotter: Snapshotter;
  mounter: Mounter;
  tasks: TaskManager;
  readLogs: (path: string, opts: ReadLogOptions) => AsyncIterable<LogEntry>;
  network?: ContainerNetworking;
  ports?: ContainerPortPublishing;
  /** Absent → named/anonymous volumes are NOT_IMPLEMENTED (binds and tmpfs still work). */
  volumes?: VolumeService;
  events: EventBus;
  logger: Logger;
  execRoot: string;
  /** Absolute cgroup parent, e.g. `/berth`. */
  cgroupParent: string;
  defaultPidsLimit: number;
  /** Rotate a container log beyond this many bytes. */
  logMaxSize: number;
}

export const ACTIVE: readonly ContainerStatus[] = ['starting', 'running', 'paused', 'stopping'];

export class ContainerContext {
  readonly locks = new KeyedMutex();
  readonly waits = new WaitRegistry();
  readonly pendingAttach = new Map<string, Set<PendingAttachSession>>();
  /** Names being created right now, reserved before the record exists. */
  readonly reservedNames = new Set<string>();
  /** Restart-policy timers between an exit and the automatic start. */
  readonly restarts = new RestartManager();

  constructor(readonly deps: ContainerDeps) {}

  bundleDir(id: string): string {
    return path.join(this.deps.execRoot, 'containers', id);
  }

  rootfsDir(id: string): string {
    return path.join(this.bundleDir(id), 'rootfs');
  }

  cgroupsPath(id: string): string {
    return `${this.deps.cgroupParent}/${id}`;
  }

  /**
   * The cgroup a running container really has: the one in its bundle, which differs from
   * cgroupsPath() when the daemon was restarted with another --cgroup-parent.
   */
  async runningCgroupsPath(id: string): Promise<string> {
    try {
      const spec = JSON.parse(await fs.readFile(path.join(this.bundleDir(id), 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: string } };
      if (spec.linux?.cgroupsPath) return spec.linux.cgroupsPath;
    } catch { /* bundle unreadable: use the default layout */ }
    return this.cgroupsPath(id);
  }

  nameTaken(name: string): ContainerRecord | undefined {
    return this.deps.repo.all().find((r) => r.name === name);
  }

  /** Docker's lookup order: full id, exact name, unique id prefix. */
  resolve(idOrName: string): ContainerRecord {
    const ref = idOrName.startsWith('/') ? idOrName.slice(1) : idOrName;
    if (!ref) throw errors.notFound('container', idOrName);
    const all = this.deps.repo.all();
    const byId = all.find((r) => r.id === ref);
    if (byId) return byId;
    const byName = all.find((r) => r.name === ref);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = all.filter((r) => r.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw errors.notFoundMessage(`No such container: ${idOrName} (multiple IDs found with provided prefix)`);
    }
    throw errors.notFound('container', idOrName);
  }

  /** Re-reads the record inside a lock (it may have changed or gone while we waited). */
  current(id: string, ref: string): ContainerRecord {
    const r = this.deps.repo.get(id);
    if (!r) throw errors.notFound('container', ref);
    return r;
  }

  /** The one place a status changes: checks the edge, persists, and publishes the event. */
  async transition(rec: ContainerRecord, to: ContainerStatus, patch: Partial<ContainerState> = {}, event?: { action: string; attributes?: Record<string, string> }): Promise<void> {
    const from = rec.state.status;
    if (from !== to && !canTransition(from, to)) {
      throw errors.internal(`invalid container state transition ${from} → ${to}`, new Error(`${rec.id}: ${from} → ${to}`));
    }
    rec.state = { ...rec.state, ...patch, status: to };
    await this.deps.repo.put(rec);
    if (event) this.publish(rec, event.action, event.attributes);
  }

  publish(rec: ContainerRecord, action: string, attributes: Record<string, string> = {}): void {
    this.deps.events.publish('container', action, rec.id, { ...rec.config.labels, image: rec.config.image, name: rec.name, ...attributes });
  }
}
