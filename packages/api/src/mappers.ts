/**
 * @module mappers
 * Engine records → the dashboard's JSON rows. Everything crossing tRPC is plain JSON (no
 * transformer), so bigints become strings and Buffers become text here.
 */
import type { ContainerDetail, ContainerRecord, EngineEvent, ImageRecord } from '@berth/runtime';

export interface PortRow { container: number; proto: string; hostIp: string; host: number | null }

export interface ContainerRow {
  id: string;
  name: string;
  image: string;
  imageId: string;
  /** The engine's status: the input of `decide()` (a superset of Docker's state names). */
  state: ContainerRecord['state']['status'];
  /** Docker's human text ("Up 5 minutes", "Exited (0) 3 seconds ago"). */
  status: string;
  created: string;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number;
  tty: boolean;
  ports: PortRow[];
  command: string;
}

/** moby go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

export function statusText(r: ContainerRecord, now = Date.now()): string {
  const st = r.state;
  const since = (t: string | null) => humanDuration(Math.max(0, now - (t ? Date.parse(t) : now)));
  switch (st.status) {
    case 'running': case 'stopping': return `Up ${since(st.startedAt)}`;
    case 'paused': return `Up ${since(st.startedAt)} (Paused)`;
    case 'restarting': return `Restarting (${st.exitCode}) ${since(st.finishedAt)} ago`;
    case 'exited': return st.finishedAt ? `Exited (${st.exitCode}) ${since(st.finishedAt)} ago` : 'Created';
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
    default: return 'Created';
  }
}

export function portRows(r: ContainerRecord): PortRow[] {
  const rows: PortRow[] = [];
  const live = r.network?.ports;
  const bound = live ?? r.hostConfig.portBindings ?? {};
  const keys = new Set([...Object.keys(r.config.exposedPorts ?? {}), ...Object.keys(bound)]);
  for (const key of keys) {
    const [p, proto = 'tcp'] = key.split('/');
    const b = bound[key];
    if (!b || b.length === 0) { rows.push({ container: Number(p), proto, hostIp: '', host: null }); continue; }
    for (const x of b) rows.push({ container: Number(p), proto, hostIp: x.hostIp, host: x.hostPort ? Number(x.hostPort) : null });
  }
  return rows.sort((a, b) => a.container - b.container || (a.host ?? 0) - (b.host ?? 0));
}

export function containerRow(r: ContainerRecord, now = Date.now()): ContainerRow {
  return {
    id: r.id, name: r.name.replace(/^\//, ''), image: r.config.image, imageId: r.image,
    state: r.state.status, status: statusText(r, now), created: r.created,
    startedAt: r.state.startedAt, finishedAt: r.state.finishedAt, exitCode: r.state.exitCode,
    tty: r.config.tty, ports: portRows(r), command: [r.path, ...r.args].join(' '),
  };
}

export function containerDetail(d: ContainerDetail) {
  return {
    ...containerRow(d),
    config: d.config,
    hostConfig: d.hostConfig,
    stateDetail: d.state,
    path: d.path,
    args: d.args,
    mounts: d.mounts ?? [],
    networks: d.network ? { [d.network.networkName]: {
      ipAddress: d.network.ipAddress, ipPrefixLen: d.network.ipPrefixLen, gateway: d.network.gateway, macAddress: d.network.macAddress,
    } } : {},
    logPath: d.logPath,
  };
}

export interface EventRow {
  seq: number;
  /** ms since the epoch */
  time: number;
  timeNano: string;
  type: EngineEvent['type'];
  action: string;
  actor: { id: string; attributes: Record<string, string> };
}

export function eventRow(e: EngineEvent): EventRow {
  return { seq: e.seq, time: Number(e.timeNano / 1_000_000n), timeNano: e.timeNano.toString(), type: e.type, action: e.action, actor: e.actor };
}

export function imageRow(i: ImageRecord) {
  return {
    id: i.id, repoTags: i.repoTags, repoDigests: i.repoDigests, created: i.created, size: i.size,
    architecture: i.architecture, os: i.os, labels: i.labels, config: i.config, layers: i.diffIds.length,
  };
}
