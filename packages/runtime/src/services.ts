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
import type { NetworkService } from './network/network-types.js';
import type { ContainerStats, StatsOptions } from './containers/container-stats.js';
import type { LoadResult, LoginResult, ProgressEvent, PullOptions, PushOptions, RegistryAuth } from './images/distribution-types.js';
import type { ArchiveResult, PathStat, PutArchiveOptions } from './containers/container-archive-types.js';
import type { PruneFilters } from './containers/prune-filter.js';
import type { ImagePruneOptions } from './images/image-prune.js';
import type { DiskUsage } from './system/disk-usage.js';
import type { ResourceUpdate } from './containers/container-update.js';
import type { StatsHistoryOptions, StatsPoint } from './containers/stats-history.js';
import type { BuildService } from './build/build-types.js';
import type { CommitPreview, DirListing, FileVersions } from './containers/container-files.js';
import type { ImageLayerRow, LayerListing, WastedReport } from './images/layer-explorer.js';
import type { HostStats } from './system/host-stats.js';
import type { PortMapService } from './network/port-map.js';

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
  /** `docker update`: restart policy and resources (applied to the live cgroup, then persisted). */
  update(idOrName: string, patch: { restartPolicy?: RestartPolicy; resources?: ResourceUpdate }): Promise<{ warnings: string[] }>;
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
  /** Berth extension: rolling history (1 h at 1 s, 24 h at 1 min) of a container's resource use. */
  statsHistory?(idOrName: string, opts?: StatsHistoryOptions): Promise<{ step: 1 | 60; points: StatsPoint[] }>;
  /** `docker cp` stat (HEAD /archive); optional so transport fakes need not implement it (501). */
  statPath?(idOrName: string, path: string): Promise<PathStat>;
  /** `docker cp CONTAINER:SRC`: resolves once the path is found; the tar streams afterwards. */
  getArchive?(idOrName: string, path: string, opts?: { signal?: AbortSignal }): Promise<ArchiveResult>;
  /** `docker cp SRC CONTAINER:DEST`: extracts the tar into the directory `path`. */
  putArchive?(idOrName: string, path: string, tar: Readable, opts?: PutArchiveOptions): Promise<void>;
  /** `docker container prune`: removes non-running containers matching the filters. */
  prune?(filters?: PruneFilters): Promise<{ deleted: string[]; spaceReclaimed: number }>;
  /** Berth extension (containers/container-files.ts): a directory of the container's view, paginated. */
  listDir?(idOrName: string, path: string, opts?: { offset?: number; limit?: number }): Promise<DirListing>;
  /** Berth extension: the image's and the container's version of one small file (text diff). */
  fileVersions?(idOrName: string, path: string, maxBytes?: number): Promise<FileVersions>;
  /** Berth extension: what `commit` would pack (the writable layer's files and bytes). */
  commitPreview?(idOrName: string): Promise<CommitPreview>;
  /** Berth extension: one regular file of the container's view as a stream (dashboard download). */
  openFile?(idOrName: string, path: string): Promise<{ name: string; size: number; stream: Readable }>;
  /** Berth extension: writes one regular file through the confined cp-in (dashboard upload/edit). */
  writeFile?(idOrName: string, path: string, data: Buffer, mode?: number): Promise<void>;
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
  /** Registry and archive transfers; absent in engines/fakes without them (the routes answer 501). */
  pull?(ref: string, opts?: PullOptions): AsyncIterable<ProgressEvent>;
  push?(name: string, tag: string | undefined, opts?: PushOptions): AsyncIterable<ProgressEvent>;
  login?(auth: RegistryAuth, opts?: { signal?: AbortSignal }): Promise<LoginResult>;
  save?(names: readonly string[], opts?: { signal?: AbortSignal }): Readable;
  load?(tar: Readable, opts?: { signal?: AbortSignal }): Promise<LoadResult>;
  /** `docker image prune` (images/image-prune.ts). */
  prune?(opts?: ImagePruneOptions): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }>;
  /** Berth extension (images/layer-explorer.ts): layers with size and history line. */
  layers?(refOrId: string): Promise<ImageLayerRow[]>;
  /** Berth extension: one page of a directory of layer `layer` (diffId index) with A/C/D marks. */
  layerTree?(refOrId: string, layer: number, path: string, opts?: { offset?: number; limit?: number }): Promise<LayerListing>;
  /** Berth extension: bytes of files overwritten or deleted by later layers. */
  wasted?(refOrId: string, opts?: { offset?: number; limit?: number }): Promise<WastedReport>;
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
  /** `runc --version`'s commit line (Docker's RuncCommit.ID, e.g. `1.1.5+ds1-1+deb12u1`); absent when unknown. */
  runtimeCommit?: string;
  securityOptions: string[];
  pidsLimit: number;
  liveRestoreEnabled: boolean;
  warnings: string[];
}

export interface SystemService {
  info(): Promise<SystemInfo>;
  version(): { version: string; gitCommit: string; goVersion: string; os: string; arch: string; kernelVersion: string; buildTime: string };
  /** `docker system df`; optional so fakes need not implement it (501). */
  df?(): Promise<DiskUsage>;
  /** Berth extension (system/host-stats.ts): host CPU/memory totals. */
  hostStats?(): Promise<HostStats>;
}

export interface EngineServices {
  readonly containers: ContainerService;
  readonly exec: ExecService;
  readonly images: ImageService;
  readonly system: SystemService;
  readonly events: EventService;
  /** Local volumes; absent in engines/fakes built without them (the routes answer 501). */
  readonly volumes?: VolumeService;
  /** `docker network …`; absent in engines/fakes built without it (the routes answer 501). */
  readonly networks?: NetworkService;
  /** The classic Dockerfile builder (`POST /build`); absent in engines built without it. */
  readonly builds?: BuildService;
  /** Berth extension (network/port-map.ts): host-wide published ports and the free-port check. */
  readonly ports?: PortMapService;
}

export type { EventStreamOptions };

export interface EventService {
  /** Docker `GET /events`: replay from the buffer for since/until, then live; ends at `until` or abort.
   *  Bad filters or bounds throw an EngineError synchronously. */
  subscribe(opts: EventStreamOptions): AsyncIterable<EngineEvent>;
}

export type { HistoryItem };
export type { BlkioEntry, ContainerStats, CpuReading, NetworkStats, StatsOptions } from './containers/container-stats.js';
export type { ResourceUpdate } from './containers/container-update.js';
export type { StatsHistoryOptions, StatsPoint } from './containers/stats-history.js';

export type { VolumeFilter, VolumeRecord, VolumeService } from './volumes/volume-types.js';
export type {
  EndpointRequest, NetworkCreateRequest, NetworkEndpointView, NetworkFilter, NetworkIpamConfig, NetworkService, NetworkView,
} from './network/network-types.js';
export type { LoadResult, LoginResult, ProgressEvent, PullOptions, PushOptions, RegistryAuth } from './images/distribution-types.js';
export type { BuildEvent, BuildOptions, BuildService } from './build/build-types.js';
export type { CommitPreview, DirListing, FileEntry, FileEntryType, FileVersions } from './containers/container-files.js';
export type { ImageLayerRow, LayerListing, LayerTreeEntry, LayerChange, LayerEntryType, WastedItem, WastedReport } from './images/layer-explorer.js';
export type { HostStats } from './system/host-stats.js';
export type { PortCheck, PortMapRow, PortMapService, Proto } from './network/port-map.js';
