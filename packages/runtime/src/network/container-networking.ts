/**
 * @module network/container-networking
 * The small pieces of networking the container code needs at create and start time, kept here so
 * containers/* only gains a few calls: validating NetworkMode / EndpointsConfig / links at create,
 * the extra hosts lines and env of legacy links at start, and reading what LocalNetworkService
 * adds to the ContainerNetworking contract (the deps may be a plain BridgeNetworkManager or a
 * fake, hence the feature checks).
 */
import { promises as fs } from 'node:fs';
import { errors } from '../errors/engine-error.js';
import type { ContainerRecord, EndpointConfig, EndpointState, HostConfig } from '../containers/container-types.js';
import { linkEnv, linkHostsLine, parseLink } from './hosts-file.js';
import type { NetworkService, NetworkView } from './network-types.js';

const UP = new Set(['starting', 'running', 'paused', 'stopping']);

export function endpointsOf(att: unknown): Record<string, EndpointState> | undefined {
  const eps = (att as { endpoints?: Record<string, EndpointState> } | undefined)?.endpoints;
  return eps && Object.keys(eps).length ? eps : undefined;
}

/**
 * Writes a container's hosts file: through the network service when there is one, which appends
 * the peers block and serializes this write with its own in-place rewrites of the same file.
 */
export async function writeHostsFile(network: unknown, file: string, containerId: string, base: string): Promise<void> {
  const n = network as { writeHostsFile?: (id: string, file: string, base: string) => Promise<void> } | undefined;
  if (typeof n?.writeHostsFile === 'function') await n.writeHostsFile(containerId, file, base);
  else await fs.writeFile(file, base, { mode: 0o644 });
}

function networkServiceOf(network: unknown): NetworkService | undefined {
  const n = network as Partial<NetworkService> | undefined;
  return typeof n?.inspect === 'function' && typeof n.connect === 'function' ? (n as NetworkService) : undefined;
}

/**
 * Checks NetworkMode, EndpointsConfig and links of a create request; returns the endpoints to
 * persist (user networks only, keyed by name) and the NetworkMode to store.
 */
export async function planNetworking(
  network: unknown,
  resolveContainer: (ref: string) => ContainerRecord,
  hostConfig: HostConfig,
  hostnameGiven: boolean,
  endpointsConfig: Record<string, { aliases?: string[]; ipv4Address?: string }> = {},
): Promise<{ networkMode: string; endpoints?: Record<string, EndpointConfig> }> {
  let mode = hostConfig.networkMode === 'default' ? 'bridge' : hostConfig.networkMode;
  const svc = networkServiceOf(network);
  const builtin = mode === 'bridge' || mode === 'host' || mode === 'none';
  if (mode.startsWith('container:')) {
    const target = resolveContainer(mode.slice('container:'.length));
    if (hostnameGiven) throw errors.invalid('conflicting options: hostname and the network mode');
    if (hostConfig.portBindings && Object.keys(hostConfig.portBindings).length) {
      throw errors.invalid('conflicting options: port publishing and the container type network mode');
    }
    mode = `container:${target.id}`;
  } else if (!builtin && !svc) {
    throw errors.notFoundMessage(`network ${mode} not found`);
  }
  if (hostConfig.links?.length && (mode === 'host' || mode.startsWith('container:'))) {
    throw errors.invalid('conflicting options: host type networking can\'t be used with links. This would result in undefined behavior');
  }
  for (const link of hostConfig.links ?? []) resolveContainer(parseLink(link)[0]);
  if (!svc) return { networkMode: mode };
  const endpoints: Record<string, EndpointConfig> = {};
  const add = (v: NetworkView, cfg: { aliases?: string[]; ipv4Address?: string } | undefined) => {
    if (v.predefined) return;
    endpoints[v.name] = { networkId: v.id, aliases: cfg?.aliases ?? [], ...(cfg?.ipv4Address ? { ipv4Address: cfg.ipv4Address } : {}) };
  };
  if (!builtin && !mode.startsWith('container:')) {
    const v = await svc.inspect(mode);
    mode = v.name;
    add(v, endpointsConfig[mode] ?? Object.entries(endpointsConfig).find(([k]) => k === v.id)?.[1]);
  }
  for (const [ref, cfg] of Object.entries(endpointsConfig)) {
    if (ref.startsWith('container:')) continue;
    const v = await svc.inspect(ref);
    if (v.predefined) {
      if (cfg.aliases?.length) throw errors.invalid('network-scoped alias is supported only for containers in user defined networks');
      if (cfg.ipv4Address) throw errors.invalid('user specified IP address is supported on user defined networks only');
      if (v.name !== mode && !(v.name === 'bridge' && mode === 'bridge')) {
        throw errors.invalid(`container cannot be connected to network ${v.name} at create: use NetworkMode`);
      }
      continue;
    }
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
      throw errors.invalid('container sharing network namespace with another container or host cannot be connected to any other network');
    }
    add(v, cfg);
  }
  return { networkMode: mode, ...(Object.keys(endpoints).length ? { endpoints } : {}) };
}

/** Hosts lines and env vars of the record's `--link`s; each target must be running. */
export function linkExtras(rec: ContainerRecord, resolveContainer: (ref: string) => ContainerRecord): { hosts: string; env: string[] } {
  let hosts = '';
  const env: string[] = [];
  for (const link of rec.hostConfig.links ?? []) {
    const [name, alias] = parseLink(link);
    const target = resolveContainer(name);
    const ip = target.network?.ipAddress;
    if (!UP.has(target.state.status) || !ip) {
      throw errors.conflict(`Cannot link to a non running container: /${target.name} AS /${rec.name}/${alias}`);
    }
    hosts += linkHostsLine(alias, target, ip);
    env.push(...linkEnv(rec.name, alias, target, ip));
  }
  return { hosts, env };
}
