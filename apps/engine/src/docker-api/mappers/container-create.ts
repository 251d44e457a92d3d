/**
 * @module docker-api/mappers/container-create
 * Wire → domain for `POST /containers/create`: the validated Docker body becomes a
 * ContainerCreateSpec. Fields the engine does not implement are sorted into two bins:
 *  - harmless ones with a non-zero value go to `ignored` (the service reports them as Warnings);
 *  - ones whose absence would silently change what runs (e.g. `--device`, `--pid host`) are 501s.
 * Go clients send every field with its zero value, so "set" means "not the zero value".
 */
import { errors, type ContainerCreateSpec, type ContainerConfig, type HostConfig, type MountRequest, type RestartPolicy } from '@berth/runtime';
import type { ContainerCreateBody, HostConfigBody } from '../schema/container-create.js';

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's container name rule and message (moby daemon/names.go). Returns the name without "/". */
export function validateContainerName(name: string): string {
  if (!NAME_RE.test(name)) throw errors.invalid(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.replace(/^\//, '');
}

const CONFIG_MAPPED = new Set(['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr',
  'ExposedPorts', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Entrypoint', 'Image', 'Volumes', 'WorkingDir',
  'Labels', 'StopSignal', 'StopTimeout', 'HostConfig', 'NetworkingConfig', 'Healthcheck',
  // Windows-only, or client bookkeeping (dockerode also puts `name` in the body): never worth a warning.
  'ArgsEscaped', 'name']);
const HOST_MAPPED = new Set(['Binds', 'NetworkMode', 'PortBindings', 'PublishAllPorts', 'RestartPolicy', 'AutoRemove', 'Privileged',
  'ReadonlyRootfs', 'CapAdd', 'CapDrop', 'SecurityOpt', 'Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit',
  'ConsoleSize', 'Init', 'LogConfig', 'ExtraHosts', 'Dns', 'Mounts', 'Tmpfs', 'VolumesFrom', 'Links',
  'ContainerIDFile', 'Isolation', 'CgroupnsMode', 'KernelMemory',
  'CpuQuota', 'CpuPeriod', 'CpusetCpus', 'CpusetMems', 'MemoryReservation', 'BlkioWeight', 'Ulimits', 'Devices']);

/** Fields that change what runs or what it can see; ignoring them would be a silent lie. */
const HOST_REFUSED: Record<string, (v: unknown) => boolean> = {
  PidMode: (v) => !isZero(v),
  UTSMode: (v) => !isZero(v),
  UsernsMode: (v) => !isZero(v),
  IpcMode: (v) => !isZero(v) && v !== 'private' && v !== 'shareable',
  Runtime: (v) => !isZero(v) && v !== 'runc',
};

/** Go zero values: null, "", 0, false, empty list, or an object whose fields are all zero. */
export function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as Record<string, unknown>).every(isZero);
  return false;
}

const strSlice = (v: string | string[] | null | undefined): string[] | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'string' ? [v] : v;

/** "80" → "80/tcp", as moby nat.NewPort does. */
export function normalizePort(key: string): string {
  return key.includes('/') ? key.toLowerCase() : `${key}/tcp`;
}

const RESTART_POLICIES: ReadonlySet<string> = new Set(['no', 'always', 'unless-stopped', 'on-failure']);

function restartPolicy(rp: HostConfigBody['RestartPolicy']): RestartPolicy | undefined {
  if (!rp) return undefined;
  const name = rp.Name || 'no';
  if (!RESTART_POLICIES.has(name)) {
    throw errors.invalid(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  const max = rp.MaximumRetryCount ?? 0;
  if (max < 0) throw errors.invalid('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') throw errors.invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { name: name as RestartPolicy['name'], maximumRetryCount: max };
}

const MOUNT_TYPES: ReadonlySet<string> = new Set(['bind', 'volume', 'tmpfs']);

/** One HostConfig.Mounts entry (`--mount`); other types (npipe, cluster, image) are 400s. */
function mountFrom(m: NonNullable<HostConfigBody['Mounts']>[number]): MountRequest {
  if (!MOUNT_TYPES.has(m.Type)) throw errors.invalid(`mount type unknown: '${m.Type}'`);
  const out: MountRequest = { type: m.Type as MountRequest['type'], target: m.Target };
  if (m.Source) out.source = m.Source;
  if (m.ReadOnly) out.readOnly = true;
  if (m.VolumeOptions?.NoCopy) out.noCopy = true;
  if (m.VolumeOptions?.Labels) out.volumeLabels = m.VolumeOptions.Labels;
  if (m.TmpfsOptions?.SizeBytes) out.tmpfsSize = m.TmpfsOptions.SizeBytes;
  if (m.TmpfsOptions?.Mode) out.tmpfsMode = m.TmpfsOptions.Mode;
  return out;
}

function hostConfigFrom(h: HostConfigBody, ignored: string[]): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  if (h.Binds) out.binds = h.Binds;
  if (h.NetworkMode) out.networkMode = h.NetworkMode === 'default' ? 'bridge' : h.NetworkMode;
  if (h.PortBindings) {
    out.portBindings = {};
    for (const [port, bs] of Object.entries(h.PortBindings)) {
      out.portBindings[normalizePort(port)] = (bs ?? []).map((b) => ({ hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' }));
    }
  }
  if (h.PublishAllPorts != null) out.publishAllPorts = h.PublishAllPorts;
  const rp = restartPolicy(h.RestartPolicy);
  if (rp) out.restartPolicy = rp;
  if (h.AutoRemove != null) out.autoRemove = h.AutoRemove;
  if (h.Privileged != null) out.privileged = h.Privileged;
  if (h.ReadonlyRootfs != null) out.readonlyRootfs = h.ReadonlyRootfs;
  if (h.CapAdd) out.capAdd = h.CapAdd;
  if (h.CapDrop) out.capDrop = h.CapDrop;
  if (h.SecurityOpt) out.securityOpt = h.SecurityOpt;
  if (h.Memory != null) out.memory = h.Memory;
  if (h.MemorySwap != null) out.memorySwap = h.MemorySwap;
  if (h.NanoCpus != null) out.nanoCpus = h.NanoCpus;
  if (h.CpuShares != null) out.cpuShares = h.CpuShares;
  // moby: 0 and any negative value mean "unlimited".
  if (h.PidsLimit != null) out.pidsLimit = h.PidsLimit > 0 ? h.PidsLimit : null;
  if (h.ConsoleSize) out.consoleSize = [h.ConsoleSize[0]!, h.ConsoleSize[1]!];
  if (h.Init != null) out.init = h.Init;
  if (h.LogConfig?.Type) out.logConfig = { type: h.LogConfig.Type, config: h.LogConfig.Config ?? {} };
  if (h.ExtraHosts) out.extraHosts = h.ExtraHosts;
  if (h.Dns) out.dns = h.Dns;
  if (h.Mounts?.length) out.mounts = h.Mounts.map(mountFrom);
  if (h.Tmpfs && Object.keys(h.Tmpfs).length) out.tmpfs = h.Tmpfs;
  if (h.VolumesFrom?.length) out.volumesFrom = h.VolumesFrom;
  if (h.Links?.length) out.links = h.Links;
  if (h.CpuQuota) out.cpuQuota = h.CpuQuota;
  if (h.CpuPeriod) out.cpuPeriod = h.CpuPeriod;
  if (h.CpusetCpus) out.cpusetCpus = h.CpusetCpus;
  if (h.CpusetMems) out.cpusetMems = h.CpusetMems;
  if (h.MemoryReservation) out.memoryReservation = h.MemoryReservation;
  if (h.BlkioWeight) out.blkioWeight = h.BlkioWeight;
  if (h.Ulimits?.length) out.ulimits = h.Ulimits.map((u) => ({ name: u.Name, soft: u.Soft ?? 0, hard: u.Hard ?? 0 }));
  if (h.Devices?.length) {
    out.devices = h.Devices.map((d) => ({ pathOnHost: d.PathOnHost, pathInContainer: d.PathInContainer || d.PathOnHost, cgroupPermissions: d.CgroupPermissions || 'rwm' }));
  }

  for (const [key, value] of Object.entries(h)) {
    if (HOST_MAPPED.has(key)) continue;
    const refused = HOST_REFUSED[key];
    if (refused) {
      if (refused(value)) throw errors.notImplemented(`HostConfig.${key} is not supported by Berth`);
      continue;
    }
    // -1 is the Go client's "unset" for swappiness.
    if (key === 'MemorySwappiness' && value === -1) continue;
    if (!isZero(value)) ignored.push(`HostConfig.${key}`);
  }
  return out;
}

function configFrom(b: ContainerCreateBody, ignored: string[]): Partial<ContainerConfig> & { image: string } {
  const c: Partial<ContainerConfig> & { image: string } = { image: b.Image ?? '' };
  if (b.Hostname != null) c.hostname = b.Hostname;
  if (b.Domainname != null) c.domainname = b.Domainname;
  if (b.User != null) c.user = b.User;
  if (b.AttachStdin != null) c.attachStdin = b.AttachStdin;
  if (b.AttachStdout != null) c.attachStdout = b.AttachStdout;
  if (b.AttachStderr != null) c.attachStderr = b.AttachStderr;
  if (b.ExposedPorts) c.exposedPorts = Object.fromEntries(Object.keys(b.ExposedPorts).map((p) => [normalizePort(p), {}]));
  if (b.Tty != null) c.tty = b.Tty;
  if (b.OpenStdin != null) c.openStdin = b.OpenStdin;
  if (b.StdinOnce != null) c.stdinOnce = b.StdinOnce;
  if (b.Env) c.env = b.Env;
  const cmd = strSlice(b.Cmd);
  if (cmd) c.cmd = cmd;
  const entrypoint = strSlice(b.Entrypoint);
  if (entrypoint) c.entrypoint = entrypoint;
  if (b.Volumes) c.volumes = Object.fromEntries(Object.keys(b.Volumes).map((v) => [v, {}]));
  if (b.WorkingDir != null) c.workingDir = b.WorkingDir;
  if (b.Labels) c.labels = b.Labels;
  if (b.StopSignal) c.stopSignal = b.StopSignal;
  if (b.StopTimeout != null) c.stopTimeout = b.StopTimeout;
  if (b.Healthcheck && !isZero(b.Healthcheck)) {
    const hc = b.Healthcheck;
    c.healthcheck = {
      ...(hc.Test?.length ? { test: hc.Test } : {}), ...(hc.Interval ? { interval: hc.Interval } : {}),
      ...(hc.Timeout ? { timeout: hc.Timeout } : {}), ...(hc.StartPeriod ? { startPeriod: hc.StartPeriod } : {}),
      ...(hc.StartInterval ? { startInterval: hc.StartInterval } : {}), ...(hc.Retries ? { retries: hc.Retries } : {}),
    };
  }
  for (const [key, value] of Object.entries(b)) {
    if (!CONFIG_MAPPED.has(key) && !isZero(value)) ignored.push(key);
  }
  return c;
}

/** The whole create request: body + `name` query parameter. */
export function toCreateSpec(body: ContainerCreateBody, name: string | undefined): ContainerCreateSpec {
  if (!body.Image) throw errors.invalid('Config.Image must not be empty: no image specified');
  const ignored: string[] = [];
  const config = configFrom(body, ignored);
  const hostConfig = body.HostConfig ? hostConfigFrom(body.HostConfig, ignored) : {};
  const endpointsConfig: NonNullable<ContainerCreateSpec['endpointsConfig']> = {};
  for (const [net, ep] of Object.entries(body.NetworkingConfig?.EndpointsConfig ?? {})) {
    const aliases = ep?.Aliases?.filter(Boolean) ?? [];
    const ip = ep?.IPAMConfig?.IPv4Address ?? '';
    endpointsConfig[net === 'default' ? 'bridge' : net] = { ...(aliases.length ? { aliases } : {}), ...(ip ? { ipv4Address: ip } : {}) };
  }
  const spec: ContainerCreateSpec = { config, hostConfig };
  if (Object.keys(endpointsConfig).length) spec.endpointsConfig = endpointsConfig;
  if (name) spec.name = validateContainerName(name);
  if (ignored.length) spec.ignored = ignored;
  return spec;
}
