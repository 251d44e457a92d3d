/**
 * @module network/network-views
 * Pure: what `network ls/inspect` show, built from the network records, the live endpoints of
 * user networks and the container records (for the predefined `bridge`, `host` and `none`,
 * whose members are simply the running containers in that NetworkMode).
 */
import type { ContainerRecord, EndpointState } from '../containers/container-types.js';
import type { Subnet } from './ipam.js';
import type { UserNetworkRecord } from './network-store.js';
import type { NetworkEndpointView, NetworkFilter, NetworkView } from './network-types.js';

export interface ViewSources {
  predefinedIds: { bridge: string; host: string; none: string };
  defaultBridge: { name: string; subnet: Subnet };
  containers: ContainerRecord[];
  networks: { rec: UserNetworkRecord; members: { containerId: string; name: string; state: EndpointState }[] }[];
}

const UP = new Set(['starting', 'running', 'paused', 'stopping']);
/** The daemon has no creation time for predefined networks; its start is the best answer. */
const STARTED = new Date().toISOString();

export function networkViews(s: ViewSources): NetworkView[] {
  const up = s.containers.filter((r) => UP.has(r.state.status));
  const inMode = (m: (mode: string) => boolean) => Object.fromEntries(up.filter((r) => m(r.hostConfig.networkMode || 'bridge')).map((r) => [r.id, {
    containerId: r.id, name: r.name, endpointId: r.network?.endpointId ?? '', macAddress: r.network?.macAddress ?? '',
    ipv4Address: r.network?.ipAddress ? `${r.network.ipAddress}/${r.network.ipPrefixLen}` : '',
  } satisfies NetworkEndpointView]));
  const br = s.defaultBridge;
  const predefined = (name: string, driver: NetworkView['driver'], id: string, extra: Partial<NetworkView>): NetworkView => ({
    id, name, created: STARTED, driver, internal: false, predefined: true, ipam: [], options: {}, labels: {}, containers: {}, ...extra,
  });
  const views: NetworkView[] = [
    predefined('bridge', 'bridge', s.predefinedIds.bridge, {
      ipam: [{ subnet: br.subnet.cidr, gateway: br.subnet.gateway }],
      options: {
        'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.name': br.name,
        'com.docker.network.driver.mtu': '1500',
      },
      containers: inMode((m) => m === 'bridge' || m === 'default'),
    }),
    predefined('host', 'host', s.predefinedIds.host, { containers: inMode((m) => m === 'host') }),
    predefined('none', 'null', s.predefinedIds.none, { containers: inMode((m) => m === 'none') }),
  ];
  for (const n of s.networks) {
    views.push({
      id: n.rec.id, name: n.rec.name, created: n.rec.created, driver: 'bridge', internal: n.rec.internal, predefined: false,
      ipam: [{ subnet: n.rec.subnet, gateway: n.rec.gateway, ...(n.rec.ipRange ? { ipRange: n.rec.ipRange } : {}) }],
      options: { 'com.docker.network.bridge.name': n.rec.bridge, ...n.rec.options }, labels: n.rec.labels,
      containers: Object.fromEntries(n.members.map((m) => [m.containerId, {
        containerId: m.containerId, name: m.name, endpointId: m.state.endpointId, macAddress: m.state.macAddress,
        ipv4Address: `${m.state.ipAddress}/${m.state.ipPrefixLen}`,
      }])),
    });
  }
  return views;
}

export function labelsMatch(labels: Record<string, string>, wanted: string[] | undefined): boolean {
  return (wanted ?? []).every((l) => {
    const [k, v] = l.split('=', 2) as [string, string | undefined];
    return k in labels && (v === undefined || labels[k] === v);
  });
}

export function matchesFilter(v: NetworkView, f: NetworkFilter): boolean {
  if (f.names?.length && !f.names.some((n) => v.name.includes(n))) return false;
  if (f.ids?.length && !f.ids.some((i) => v.id.startsWith(i))) return false;
  if (f.drivers?.length && !f.drivers.includes(v.driver)) return false;
  if (f.types?.length && !f.types.includes(v.predefined ? 'builtin' : 'custom')) return false;
  if (f.dangling !== undefined && f.dangling !== (!v.predefined && Object.keys(v.containers).length === 0)) return false;
  return labelsMatch(v.labels, f.labels);
}
