/**
 * @module docker-api/mappers/container-json
 * Domain containers → Docker wire JSON (moby api/types/container: ContainerJSON for
 * `GET /containers/{id}/json`, Summary for `GET /containers/json`). Field names and "empty"
 * conventions (null vs [] vs "") follow what dockerd 27 returns, because the CLI's templates and
 * third-party clients read them literally.
 */
import type { ContainerConfig, ContainerDetail, ContainerRecord, HostConfig } from '@berth/runtime';
import { DOCKER_STATE } from '@berth/runtime';
import { mountsOf, networksMap, portList, portMap, statusText, toDockerState } from './container-state.js';

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
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: h.privileged,
    PublishAllPorts: h.publishAllPorts ?? false,
    ReadonlyRootfs: h.readonlyRootfs,
    SecurityOpt: orNull(h.securityOpt),
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 67108864,
    Runtime: 'runc',
    Isolation: '',
    CpuShares: h.cpuShares ?? 0,
    Memory: h.memory ?? 0,
    NanoCpus: h.nanoCpus ?? 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: h.memorySwap ?? 0,
    MemorySwappiness: null,
    OomKillDisable: null,
    PidsLimit: h.pidsLimit ?? null,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Init: h.init ? true : null,
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
}

function networkSettings(rec: ContainerRecord): Record<string, unknown> {
  const n = rec.network;
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
    State: toDockerState(d.state),
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
