/**
 * @module network/network-types
 * Domain types of networks as the transports see them (`docker network …`), camelCase; the
 * Docker wire shapes live in apps/engine's routes/networks.ts.
 *
 * Vocabulary: a *network* is either predefined (`bridge` = the daemon's default bridge, `host`,
 * `none`) or user-defined (driver `bridge`: its own Linux bridge and subnet). An *endpoint* is one
 * container's membership of one network while it runs: a veth, an address, a MAC, aliases.
 */

export interface NetworkIpamConfig {
  subnet: string;
  gateway: string;
  ipRange?: string;
}

export interface NetworkEndpointView {
  containerId: string;
  name: string;
  endpointId: string;
  macAddress: string;
  /** `a.b.c.d/len`, '' when the container has no address there (host/none). */
  ipv4Address: string;
}

export interface NetworkView {
  id: string;
  name: string;
  created: string;
  driver: 'bridge' | 'host' | 'null';
  internal: boolean;
  /** Predefined networks cannot be removed. */
  predefined: boolean;
  ipam: NetworkIpamConfig[];
  options: Record<string, string>;
  labels: Record<string, string>;
  /** Running containers attached (keyed by container id). */
  containers: Record<string, NetworkEndpointView>;
}

export interface NetworkCreateRequest {
  name: string;
  driver?: string;
  internal?: boolean;
  /** At most one IPv4 config: subnet (optional: taken from the pool), gateway (optional). */
  ipam?: { subnet?: string; gateway?: string; ipRange?: string }[];
  options?: Record<string, string>;
  labels?: Record<string, string>;
  enableIpv6?: boolean;
}

export interface NetworkFilter {
  names?: string[];
  ids?: string[];
  drivers?: string[];
  /** 'custom' | 'builtin' */
  types?: string[];
  labels?: string[];
  /** true: user networks without containers; false: the others. */
  dangling?: boolean;
}

export interface EndpointRequest {
  aliases?: string[];
  ipv4Address?: string;
}

export interface NetworkService {
  create(req: NetworkCreateRequest): Promise<{ id: string; warning: string }>;
  list(filter?: NetworkFilter): Promise<NetworkView[]>;
  inspect(idOrName: string): Promise<NetworkView>;
  remove(idOrName: string): Promise<void>;
  /** Running containers get a new interface at once; stopped ones on their next start. */
  connect(idOrName: string, container: string, endpoint?: EndpointRequest): Promise<void>;
  disconnect(idOrName: string, container: string, opts?: { force?: boolean }): Promise<void>;
  /** Removes user networks without containers; returns their names. */
  prune(filter?: { labels?: string[] }): Promise<string[]>;
}
