/**
 * @module containers/container-types
 * Domain types of containers (camelCase; Docker's PascalCase wire shapes live in apps/engine mappers).
 */
import type { ContainerStatus } from './status.js';

export type RestartPolicy = { name: 'no' | 'always' | 'unless-stopped' | 'on-failure'; maximumRetryCount: number };

/** What a container runs: the image's config merged with the create request. */
export interface ContainerConfig {
  hostname: string;
  domainname: string;
  user: string;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  exposedPorts: Record<string, Record<string, never>>;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  env: string[];
  /** As requested (null = take the image's). */
  cmd: string[] | null;
  entrypoint: string[] | null;
  /** The image reference as the user typed it. */
  image: string;
  volumes: Record<string, Record<string, never>>;
  workingDir: string;
  labels: Record<string, string>;
  stopSignal?: string;
  stopTimeout?: number;
  /** `--health-*` or the image's HEALTHCHECK (durations in ns, as Docker's wire); test ['NONE'] disables. */
  healthcheck?: HealthConfig;
}

/** Docker's HealthConfig (container/config.go); 0 durations mean the defaults (30 s, 30 s, 0, 5 s; 3 retries). */
export interface HealthConfig {
  test?: string[];
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

/** One probe result kept in State.Health.Log (the last 5). */
export interface HealthLogEntry { start: string; end: string; exitCode: number; output: string }

export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: HealthLogEntry[];
}

/** `--ulimit name=soft[:hard]`. */
export interface Ulimit { name: string; soft: number; hard: number }

/** `--device host[:container][:perms]`. */
export interface DeviceMapping { pathOnHost: string; pathInContainer: string; cgroupPermissions: string }

export interface HostConfig {
  autoRemove: boolean;
  restartPolicy: RestartPolicy;
  networkMode: string;
  /** Legacy `--link name[:alias]`, as given. */
  links?: string[];
  binds: string[];
  portBindings: Record<string, { hostIp: string; hostPort: string }[]>;
  /** `-P`: every exposed port without a binding gets a random host port. */
  publishAllPorts?: boolean;
  privileged: boolean;
  readonlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  memory: number;
  memorySwap: number;
  nanoCpus: number;
  cpuShares: number;
  pidsLimit: number | null;
  consoleSize: [number, number];
  init: boolean;
  logConfig: { type: string; config: Record<string, string> };
  extraHosts: string[];
  dns: string[];
  /** `--mount` (Docker's HostConfig.Mounts). */
  mounts?: MountRequest[];
  /** `--tmpfs path[:opts]` as Docker's map path → options. */
  tmpfs?: Record<string, string>;
  /** `--volumes-from ctr[:ro|rw]`. */
  volumesFrom?: string[];
  /** CFS bandwidth (`--cpu-quota/--cpu-period`, µs); NanoCpus wins when both are set (Docker refuses both). */
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  memoryReservation?: number;
  blkioWeight?: number;
  ulimits?: Ulimit[];
  devices?: DeviceMapping[];
}

/** One `--mount` entry. */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  source?: string;
  target: string;
  readOnly?: boolean;
  /** tmpfs size in bytes / mode (octal number). */
  tmpfsSize?: number;
  tmpfsMode?: number;
  volumeLabels?: Record<string, string>;
  noCopy?: boolean;
}

/** A mount resolved at create time; what the spec is built from and inspect's `Mounts` shows. */
export interface MountPoint {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Volume name. */
  name?: string;
  /** Host path (bind source or the volume's data dir; '' for tmpfs). */
  source: string;
  destination: string;
  rw: boolean;
  mode: string;
  propagation: string;
  /** Anonymous volume created for this container (removed with `rm -v` / auto-remove). */
  anonymous?: boolean;
  /** Copy the image's content at the destination into the volume while it is empty. */
  copyUp?: boolean;
  /** tmpfs mount options. */
  options?: string[];
}

/** A create request after wire parsing (fields not given are left to defaults in the service). */
export interface ContainerCreateSpec {
  name?: string;
  config: Partial<ContainerConfig> & { image: string };
  hostConfig: Partial<HostConfig>;
  /** Wire fields the engine does not act on; reported back as create warnings. */
  ignored?: string[];
  /** NetworkingConfig.EndpointsConfig by network name or id (aliases, static address). */
  endpointsConfig?: Record<string, { aliases?: string[]; ipv4Address?: string }>;
}

export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  error: string;
  startedAt: string | null;
  finishedAt: string | null;
  oomKilled: boolean;
  restartCount: number;
  /** moby's HasBeenManuallyStopped: set by `stop`/`kill`, cleared by a manual start; blocks restarts. */
  manuallyStopped?: boolean;
  /** Present while a healthcheck is configured and the container has run (Docker's State.Health). */
  health?: HealthState;
}

/** The persisted record; the single source of truth for a container. */
export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** Resolved process: path + args after merging entrypoint and cmd. */
  path: string;
  args: string[];
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** Image id (sha256:…). */
  image: string;
  state: ContainerState;
  /** Snapshot key of the container's writable layer. */
  snapshotKey: string;
  logPath: string;
  /** A bumped counter; lets readers detect a restart between two reads. */
  generation: number;
  network?: ContainerNetwork;
  /** Resolved volumes/binds/tmpfs (absent on records from before volumes existed). */
  mounts?: MountPoint[];
  /** User-defined networks the container belongs to, by network name (kept while stopped). */
  endpoints?: Record<string, EndpointConfig>;
}

export interface ContainerNetwork {
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  networkName: string;
  netnsPath?: string;
  endpointId?: string;
  /** Host ports actually assigned while running (`"80/tcp" → [{hostIp, hostPort}]`). */
  ports?: Record<string, { hostIp: string; hostPort: string }[]>;
  /** Live endpoints on user-defined networks, by network name (the primary one included). */
  networks?: Record<string, EndpointState>;
}

export interface ContainerDetail extends ContainerRecord {
  /** overlay dirs, for Docker's GraphDriver.Data */
  graphDriver: { name: string; data: Record<string, string> };
  resolvConfPath: string;
  hostnamePath: string;
  hostsPath: string;
}

export type ContainerSummary = ContainerRecord;

export interface ContainerFilter {
  all?: boolean;
  limit?: number;
  /** Docker filters, already split into typed lists. */
  ids?: string[];
  names?: string[];
  labels?: string[]; // "key" or "key=value"
  statuses?: string[]; // Docker states
  ancestors?: string[]; // image refs or ids
  exited?: number[];
  before?: string;
  since?: string;
  /** `health=starting|healthy|unhealthy|none`. */
  health?: string[];
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';
export type WaitResult = { exitCode: number; error?: string };

export type StdStream = 'stdout' | 'stderr';

export interface LogEntry {
  stream: StdStream;
  /** RFC 3339 with nanoseconds, UTC ("2026-11-29T11:53:11.180286505Z"). */
  time: string;
  /** Content with its trailing "\n" when the line was complete. */
  data: Buffer;
}

export interface LogOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** unix seconds (fractional) */
  since?: number;
  until?: number;
  tail?: number | 'all';
  /** Entries may carry several lines of one stream (faster; use when no per-line time is shown). */
  coalesce?: boolean;
  signal?: AbortSignal;
}

export interface OutputChunk {
  stream: StdStream;
  data: Buffer;
}

/**
 * A live attachment to a container's stdio. Output ends when the container exits
 * or the session is detached.
 */
export interface AttachSession {
  readonly tty: boolean;
  readonly output: AsyncIterable<OutputChunk>;
  writeStdin(data: Buffer): void;
  /** Half-close: the container sees EOF on stdin (unless it keeps stdin open). */
  closeStdin(): void;
  /** Leave the container running; ends `output`. */
  detach(): void;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Replay the log before attaching (Docker's `logs=1`). */
  logs?: boolean;
  stream?: boolean;
  signal?: AbortSignal;
}

/** A container's wanted membership of one network (`--network-alias`, `--ip`, `network connect`). */
export interface EndpointConfig {
  networkId: string;
  aliases: string[];
  ipv4Address?: string;
}

/** One live endpoint: the container's interface on one network while it runs. */
export interface EndpointState {
  networkId: string;
  endpointId: string;
  /** Interface name inside the container (eth0, eth1…). */
  ifName: string;
  ipAddress: string;
  ipPrefixLen: number;
  gateway: string;
  macAddress: string;
  aliases: string[];
}
