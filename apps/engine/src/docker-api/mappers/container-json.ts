/**
 * @module docker-api/mappers/container-json
 * Domain containers → Docker wire JSON (moby api/types/container: ContainerJSON for
 * `GET /containers/{id}/json`, Summary for `GET /containers/json`). Field names and "empty"
 * conventions (null vs [] vs "") follow what dockerd 27 returns, because the CLI's templates and
 * third-party clients read them literally.
 */
import type { ContainerConfig, ContainerDetail, ContainerRecord, HostConfig } from '@berth/runtime';
import { DOCKER_STATE, MASKED_PATHS, READONLY_PATHS, type HealthConfig } from '@berth/runtime';
import { isUp, mountsOf, networksMap, portList, portMap, statusText, toDockerState } from './container-state.js';

/** moby converts `default` to the daemon's default network at create time. */
export const dockerNetworkMode = (mode: string | undefined): string => (!mode || mode === 'default' ? 'bridge' : mode);

const orNull = <T>(xs: readonly T[] | undefined): readonly T[] | null => (xs && xs.length ? xs : null);
const objOrNull = (o: Record<string, unknown> | undefined) => (o && Object.keys(o).length ? o : null);

export function toDockerConfig(c: ContainerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Hostname: c.hostname,
    Domainname: c.domainname,
    User: c.user,
    AttachStdin: c.attachStdin,
    AttachStdout: c.attachStdout,
    AttachStderr: c.attachStderr,
  };
  if (c.exposedPorts && Object.keys(c.exposedPorts).length) out.ExposedPorts = c.exposedPorts;
  Object.assign(out, {
    Tty: c.tty,
    OpenStdin: c.openStdin,
    StdinOnce: c.stdinOnce,
    Env: c.env,
    Cmd: c.cmd,
    Image: c.image,
    Volumes: objOrNull(c.volumes),
    WorkingDir: c.workingDir,
    Entrypoint: c.entrypoint,
    OnBuild: null,
    Labels: c.labels ?? {},
  });
  if (c.stopSignal) out.StopSignal = c.stopSignal;
  if (c.stopTimeout !== undefined && c.stopTimeout !== null) out.StopTimeout = c.stopTimeout;
  if (c.healthcheck) out.Healthcheck = toDockerHealthConfig(c.healthcheck);
  return out;
}

export function toDockerHostConfig(h: HostConfig): Record<string, unknown> {
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const [port, bs] of Object.entries(h.portBindings ?? {})) {
    portBindings[port] = bs.map((b) => ({ HostIp: b.hostIp, HostPort: b.hostPort }));
  }
  return {
    Binds: orNull(h.binds),
    ContainerIDFile: '',
    LogConfig: { Type: h.logConfig?.type ?? 'k8s-file', Config: h.logConfig?.config ?? {} },
    NetworkMode: dockerNetworkMode(h.networkMode),
    PortBindings: portBindings,
    RestartPolicy: { Name: h.restartPolicy?.name ?? 'no', MaximumRetryCount: h.restartPolicy?.maximumRetryCount ?? 0 },
    AutoRemove: h.autoRemove,
    VolumeDriver: '',
    VolumesFrom: orNull(h.volumesFrom),
    ...(h.tmpfs ? { Tmpfs: h.tmpfs } : {}),
    ...(h.mounts ? { Mounts: h.mounts.map((m) => ({ Type: m.type, Source: m.source ?? '', Target: m.target, ReadOnly: m.readOnly ?? false })) } : {}),
    ConsoleSize: h.consoleSize ?? [0, 0],
    CapAdd: orNull(h.capAdd),
    CapDrop: orNull(h.capDrop),
    CgroupnsMode: 'host',
    Dns: h.dns ?? [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: orNull(h.extraHosts),
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    // moby shows links as "/target:/linker/alias"; the linker's name is not known here, so "/target:/alias".
    Links: h.links?.length ? h.links.map((l) => { const [t = '', a] = l.split(':'); return `/${t.replace(/^\//, '')}:/${(a ?? t).replace(/^\//, '')}`; }) : null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: h.privileged,
    PublishAllPorts: h.publishAllPorts ?? false,
    ReadonlyRootfs: h.readonlyRootfs,
    SecurityOpt: orNull(effectiveSecurityOpt(h)),
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 67108864,
    Runtime: 'runc',
    Isolation: '',
    CpuShares: h.cpuShares ?? 0,
    Memory: h.memory ?? 0,
    NanoCpus: h.nanoCpus ?? 0,
    CgroupParent: '',
    BlkioWeight: h.blkioWeight ?? 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: h.cpuPeriod ?? 0,
    CpuQuota: h.cpuQuota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: h.cpusetCpus ?? '',
    CpusetMems: h.cpusetMems ?? '',
    Devices: (h.devices ?? []).map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.cgroupPermissions })),
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: h.memoryReservation ?? 0,
    // moby stores Memory*2 when only -m was given.
    MemorySwap: (h.memory ?? 0) > 0 && !h.memorySwap ? h.memory * 2 : h.memorySwap ?? 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: h.pidsLimit ?? null,
    Ulimits: (h.ulimits ?? []).map((u) => ({ Name: u.name, Hard: u.hard, Soft: u.soft })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Init: h.init ? true : null,
    MaskedPaths: h.privileged ? null : MASKED_PATHS,
    ReadonlyPaths: h.privileged ? null : READONLY_PATHS,
  };
}

function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const n = isUp(rec.state.status) ? rec.network : undefined;
  const sandbox = n?.netnsPath ?? '';
  return {
    Bridge: '',
    SandboxID: sandbox ? sandbox.split('/').pop() ?? '' : '',
    SandboxKey: sandbox,
    Ports: portMap(rec),
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: n?.endpointId ?? '',
    Gateway: n?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: n?.ipAddress ?? '',
    IPPrefixLen: n?.ipPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: n?.macAddress ?? '',
    Networks: networksMap(rec),
  };
}

/** GET /containers/{id}/json */
export function toDockerContainer(d: ContainerDetail): Record<string, unknown> {
  return {
    Id: d.id,
    Created: d.created,
    Path: d.path,
    Args: d.args,
    State: toDockerState(stateWithHealth(d)),
    Image: d.image,
    ResolvConfPath: d.resolvConfPath,
    HostnamePath: d.hostnamePath,
    HostsPath: d.hostsPath,
    LogPath: d.logPath,
    Name: `/${d.name}`,
    RestartCount: d.state.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: toDockerHostConfig(d.hostConfig),
    GraphDriver: { Name: d.graphDriver.name || 'overlay2', Data: d.graphDriver.data },
    Mounts: mountsOf(d),
    Config: toDockerConfig(d.config),
    NetworkSettings: networkSettings(d),
  };
}

/** moby list.go: Path and Args joined by single spaces (the CLI quotes and truncates it). */
export function commandLine(rec: ContainerRecord): string {
  const args = rec.args.join(' ');
  return args ? `${rec.path} ${args}` : rec.path;
}

/** One entry of GET /containers/json */
export function toDockerSummary(rec: ContainerRecord, now = Date.now()): Record<string, unknown> {
  return {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.config.image || rec.image,
    ImageID: rec.image,
    Command: commandLine(rec),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: portList(rec),
    Labels: rec.config.labels ?? {},
    State: DOCKER_STATE[rec.state.status],
    Status: statusText(rec.state, now),
    HostConfig: { NetworkMode: dockerNetworkMode(rec.hostConfig.networkMode) },
    NetworkSettings: { Networks: networksMap(rec) },
    Mounts: mountsOf(rec),
  };
}

/** Docker's HealthConfig wire shape (zero fields omitted, as Go's omitempty does). */
export function toDockerHealthConfig(h: HealthConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (h.test?.length) out.Test = h.test;
  if (h.interval) out.Interval = h.interval;
  if (h.timeout) out.Timeout = h.timeout;
  if (h.startPeriod) out.StartPeriod = h.startPeriod;
  if (h.startInterval) out.StartInterval = h.startInterval;
  if (h.retries) out.Retries = h.retries;
  return out;
}

/**
 * The security options in effect, so the defaults are visible in inspect: the user's, plus Berth's
 * no-new-privileges and builtin seccomp profile unless overridden (privileged runs unconfined).
 */
export function effectiveSecurityOpt(h: HostConfig): string[] {
  const opts = [...(h.securityOpt ?? [])];
  if (!opts.some((o) => o.startsWith('no-new-privileges'))) opts.push('no-new-privileges');
  if (!h.privileged && !opts.some((o) => /^seccomp[=:]/.test(o))) opts.push('seccomp=builtin');
  return opts;
}

/** Between `start` and the monitor's first write, a container with a check is already `starting`. */
function stateWithHealth(rec: ContainerRecord): ContainerRecord['state'] {
  const test = rec.config.healthcheck?.test;
  const active = !!test?.length && test[0] !== 'NONE';
  if (!active || rec.state.health || rec.state.status !== 'running') return rec.state;
  return { ...rec.state, health: { status: 'starting', failingStreak: 0, log: [] } };
}
