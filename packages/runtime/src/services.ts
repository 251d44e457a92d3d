/**
 * @module services
 * EngineServices: the only surface the transports (Docker REST router, tRPC router) see.
 */
import type {
  AttachOptions, AttachSession, ContainerCreateSpec, ContainerDetail, ContainerFilter, ContainerSummary,
  LogEntry, LogOptions, RestartPolicy, WaitCondition, WaitResult,
} from './containers/container-types.js';
import type { HistoryItem, ImageDeleteItem, ImageFilter, ImageHistoryEntry, ImageRecord, ImportOptions } from './images/image-types.js';
import type { Readable } from 'node:stream';
import type { CommitOptions, ContainerChange } from './containers/commit-types.js';
import type { EngineEvent } from './events/event-bus.js';
import type { EventStreamOptions } from './events/event-stream.js';
import type { VolumeService } from './volumes/volume-types.js';
import type { ContainerStats, StatsOptions } from './containers/container-stats.js';

export type OpResult = { changed: boolean };

export interface ContainerService {
  create(spec: ContainerCreateSpec): Promise<{ id: string; warnings: string[] }>;
  start(idOrName: string): Promise<OpResult>;
  stop(idOrName: string, opts?: { timeoutSec?: number; signal?: string }): Promise<OpResult>;
  restart(idOrName: string, opts?: { timeoutSec?: number; signal?: string }): Promise<void>;
  kill(idOrName: string, signal?: string): Promise<void>;
  pause(idOrName: string): Promise<void>;
  unpause(idOrName: string): Promise<void>;
  remove(idOrName: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  rename(idOrName: string, newName: string): Promise<void>;
  /** `docker update`: only the restart policy for now. */
  update(idOrName: string, patch: { restartPolicy?: RestartPolicy }): Promise<{ warnings: string[] }>;
  /** Resolves once the wait is registered; `done` settles when the condition is met. */
  wait(idOrName: string, cond: WaitCondition, opts?: { signal?: AbortSignal }): Promise<{ done: Promise<WaitResult> }>;
  inspect(idOrName: string): Promise<ContainerDetail>;
  list(filter?: ContainerFilter): Promise<ContainerSummary[]>;
  /** Resolves after the container is found; `tty` tells the transport how to frame. */
  logs(idOrName: string, opts: LogOptions): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }>;
  attach(idOrName: string, opts: AttachOptions): Promise<AttachSession>;
  resize(idOrName: string, size: { rows: number; cols: number }): Promise<void>;
  /** `docker top`: host `ps` rows of the container's processes (ps_args default `-ef`). 409 when not running. */
  top(idOrName: string, psArgs?: string): Promise<ContainerTop>;
  /** `docker diff`: the writable layer's changes, sorted by path (stopped containers too). */
  changes(idOrName: string): Promise<ContainerChange[]>;
  /** `docker export`: resolves once the container is found; the stream is a tar of the merged rootfs. */
  export(idOrName: string, opts?: { signal?: AbortSignal }): Promise<Readable>;
  /** `docker commit`: the writable layer becomes a new image on top of the container's; returns its id. */
  commit(idOrName: string, opts: CommitOptions): Promise<{ id: string }>;
  /** `docker stats`: resolves once the container is found; one sample unless `stream` (1 s apart). */
  stats(idOrName: string, opts: StatsOptions): Promise<AsyncIterable<ContainerStats>>;
}

export interface ContainerTop {
  titles: string[];
  processes: string[][];
}

export interface ExecCreateSpec {
  cmd: string[];
  env?: string[];
  user?: string;
  workingDir?: string;
  tty?: boolean;
  attachStdin?: boolean;
  attachStdout?: boolean;
  attachStderr?: boolean;
  privileged?: boolean;
  consoleSize?: [number, number];
}

export interface ExecDetail {
  id: string;
  containerId: string;
  running: boolean;
  exitCode: number | null;
  pid: number;
  spec: ExecCreateSpec;
}

export interface ExecService {
  create(idOrName: string, spec: ExecCreateSpec): Promise<{ id: string }>;
  /** detach=true returns once the process started; otherwise an attach session to its stdio. */
  start(execId: string, opts: { detach: boolean; tty?: boolean; consoleSize?: [number, number] }): Promise<AttachSession | undefined>;
  resize(execId: string, size: { rows: number; cols: number }): Promise<void>;
  inspect(execId: string): Promise<ExecDetail>;
}

export interface ImageService {
  list(filter?: ImageFilter): Promise<ImageRecord[]>;
  inspect(refOrId: string): Promise<ImageRecord>;
  history(refOrId: string): Promise<ImageHistoryEntry[]>;
  tag(source: string, repo: string, tag?: string): Promise<void>;
  remove(refOrId: string, opts?: { force?: boolean; noPrune?: boolean }): Promise<ImageDeleteItem[]>;
  /** Import a root filesystem tar as a one-layer image; returns the image id. */
  importTar(tar: Readable, opts: ImportOptions): Promise<{ id: string }>;
}

export interface SystemInfo {
  id: string;
  containers: number;
  containersRunning: number;
  containersPaused: number;
  containersStopped: number;
  images: number;
  driver: string;
  dataRoot: string;
  execRoot: string;
  kernelVersion: string;
  operatingSystem: string;
  osType: 'linux';
  architecture: string;
  ncpu: number;
  memTotal: number;
  name: string;
  serverVersion: string;
  cgroupDriver: string;
  cgroupVersion: string;
  runtimeVersion: string;
  securityOptions: string[];
  pidsLimit: number;
  liveRestoreEnabled: boolean;
  warnings: string[];
}

export interface SystemService {
  info(): Promise<SystemInfo>;
  version(): { version: string; gitCommit: string; goVersion: string; os: string; arch: string; kernelVersion: string; buildTime: string };
}

export interface EngineServices {
  readonly containers: ContainerService;
  readonly exec: ExecService;
  readonly images: ImageService;
  readonly system: SystemService;
  readonly events: EventService;
  /** Local volumes; absent in engines/fakes built without them (the routes answer 501). */
  readonly volumes?: VolumeService;
}

export type { EventStreamOptions };

export interface EventService {
  /** Docker `GET /events`: replay from the buffer for since/until, then live; ends at `until` or abort.
   *  Bad filters or bounds throw an EngineError synchronously. */
  subscribe(opts: EventStreamOptions): AsyncIterable<EngineEvent>;
}

export type { HistoryItem };
export type { BlkioEntry, ContainerStats, CpuReading, NetworkStats, StatsOptions } from './containers/container-stats.js';

export type { VolumeFilter, VolumeRecord, VolumeService } from './volumes/volume-types.js';
