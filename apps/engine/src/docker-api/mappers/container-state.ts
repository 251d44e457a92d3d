/**
 * @module docker-api/mappers/container-state
 * Docker's view of a container's state and network, shared by inspect and list: the State object
 * (moby container/state.go booleans derived from our single status), the `docker ps` STATUS text
 * (State.String()), port maps and the per-network endpoint objects.
 */
import { DOCKER_STATE, type ContainerRecord, type ContainerState, type ContainerStatus } from '@berth/runtime';
import { humanDuration } from './human-duration.js';

/** Go's zero time.Time, which Docker prints for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker keeps Running=true while paused or restarting (moby container/state.go). */
const RUNNING: ReadonlySet<ContainerStatus> = new Set(['running', 'paused', 'restarting', 'stopping']);

export function isUp(status: ContainerStatus): boolean {
  return RUNNING.has(status);
}

export function toDockerState(s: ContainerState): Record<string, unknown> {
  return {
    Status: DOCKER_STATE[s.status],
    Running: RUNNING.has(s.status),
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: RUNNING.has(s.status) ? s.pid : 0,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt ?? ZERO_TIME,
    FinishedAt: s.finishedAt ?? ZERO_TIME,
    ...(s.health ? {
      Health: {
        Status: s.health.status,
        FailingStreak: s.health.failingStreak,
        Log: s.health.log.map((l) => ({ Start: l.start, End: l.end, ExitCode: l.exitCode, Output: l.output })),
      },
    } : {}),
  };
}

/** moby Health.String(): the suffix `docker ps` shows after "Up …". */
function healthSuffix(s: ContainerState): string {
  if (!s.health) return '';
  return s.health.status === 'starting' ? ' (health: starting)' : ` (${s.health.status})`;
}

const since = (iso: string | null, now: number): string => humanDuration(iso ? Math.max(0, now - Date.parse(iso)) : 0);

/** moby State.String(): the STATUS column of `docker ps`. */
export function statusText(s: ContainerState, now = Date.now()): string {
  switch (s.status) {
    case 'running':
    case 'stopping':
      return `Up ${since(s.startedAt, now)}${healthSuffix(s)}`;
    case 'paused':
      return `Up ${since(s.startedAt, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${since(s.finishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
    case 'starting':
      return 'Created';
    case 'exited':
      if (!s.startedAt) return 'Created';
      if (!s.finishedAt) return '';
      return `Exited (${s.exitCode}) ${since(s.finishedAt, now)} ago`;
  }
}

/** `default` and "" both mean the daemon's default network, which Docker names `bridge`. */
export function networkName(rec: ContainerRecord): string {
  if (rec.network?.networkName) return rec.network.networkName;
  const mode = rec.hostConfig.networkMode;
  return !mode || mode === 'default' ? 'bridge' : mode;
}

export function endpointSettings(rec: ContainerRecord): Record<string, unknown> {
  // The record keeps the last run's addresses after an exit; Docker shows none while stopped.
  const n = isUp(rec.state.status) ? rec.network : undefined;
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: n?.macAddress ?? '',
    DriverOpts: null,
    NetworkID: '',
    EndpointID: n?.endpointId ?? '',
    Gateway: n?.gateway ?? '',
    IPAddress: n?.ipAddress ?? '',
    IPPrefixLen: n?.ipPrefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

/**
 * NetworkSettings.Networks: the NetworkMode's network (none for `container:<id>`, which has its
 * own entries only in the other container) plus every user network joined; live values while
 * running, the configured aliases with empty addresses otherwise (as dockerd shows them).
 */
export function networksMap(rec: ContainerRecord): Record<string, unknown> {
  const mode = rec.hostConfig.networkMode || 'bridge';
  if (mode.startsWith('container:')) return {};
  const out: Record<string, unknown> = {};
  const live = (isUp(rec.state.status) ? rec.network?.networks : undefined) ?? {};
  const builtin = mode === 'bridge' || mode === 'default' || mode === 'host' || mode === 'none';
  if (builtin) out[networkName(rec)] = endpointSettings(rec);
  const names = new Set([...(builtin ? [] : [mode]), ...Object.keys(rec.endpoints ?? {}), ...Object.keys(live)]);
  for (const name of names) {
    const cfg = rec.endpoints?.[name];
    const ep = live[name];
    const aliases = ep?.aliases ?? cfg?.aliases ?? [];
    out[name] = {
      IPAMConfig: cfg?.ipv4Address ? { IPv4Address: cfg.ipv4Address } : null,
      Links: null,
      Aliases: aliases.length ? aliases : null,
      MacAddress: ep?.macAddress ?? '',
      DriverOpts: null,
      NetworkID: ep?.networkId ?? cfg?.networkId ?? '',
      EndpointID: ep?.endpointId ?? '',
      Gateway: ep?.gateway ?? '',
      IPAddress: ep?.ipAddress ?? '',
      IPPrefixLen: ep?.ipPrefixLen ?? 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DNSNames: ep ? [rec.name, ...aliases, rec.id.slice(0, 12)] : null,
    };
  }
  return out;
}

/** NetworkSettings.Ports: exposed ports map to their bindings (or null); empty unless running. */
export function portMap(rec: ContainerRecord): Record<string, { HostIp: string; HostPort: string }[] | null> {
  if (!isUp(rec.state.status)) return {};
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const port of Object.keys(rec.config.exposedPorts ?? {})) out[port] = null;
  // The ports actually assigned (random ones included) once the engine published them.
  const bound = rec.network?.ports ?? rec.hostConfig.portBindings ?? {};
  for (const [port, bindings] of Object.entries(bound)) {
    out[port] = bindings.map((b) => ({ HostIp: b.hostIp || '0.0.0.0', HostPort: b.hostPort }));
  }
  return out;
}

/** The Ports array of /containers/json. */
export function portList(rec: ContainerRecord): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, bindings] of Object.entries(portMap(rec))) {
    const [port, proto = 'tcp'] = key.split('/');
    const privatePort = Number(port);
    if (!bindings || bindings.length === 0) {
      out.push({ PrivatePort: privatePort, Type: proto });
      continue;
    }
    for (const b of bindings) {
      const pub = Number(b.HostPort);
      out.push(b.HostPort && Number.isInteger(pub)
        ? { IP: b.HostIp, PrivatePort: privatePort, PublicPort: pub, Type: proto }
        : { PrivatePort: privatePort, Type: proto });
    }
  }
  return out;
}

/** Docker's `Mounts` from the mounts resolved at create time. */
export function mountsOf(rec: ContainerRecord): Record<string, unknown>[] {
  return (rec.mounts ?? []).map((m) => m.type === 'volume'
    ? { Type: 'volume', Name: m.name, Source: m.source, Destination: m.destination, Driver: 'local', Mode: m.mode, RW: m.rw, Propagation: '' }
    : { Type: m.type, Source: m.source, Destination: m.destination, Mode: m.mode, RW: m.rw, Propagation: m.type === 'bind' ? m.propagation : '' });
}
