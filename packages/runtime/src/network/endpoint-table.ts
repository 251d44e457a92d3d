/**
 * @module network/endpoint-table
 * The in-memory table of live endpoints on user networks (container × network → veth, address,
 * aliases), the source of `network inspect` Containers and of the hosts-file peers. It is rebuilt
 * from the records of running containers at daemon start (LocalNetworkService.reconcile), so it
 * never needs persisting.
 */
import type { EndpointState } from '../containers/container-types.js';
import type { HostsPeer } from './hosts-file.js';

export interface LiveEndpoint { networkId: string; containerId: string; name: string; hostVeth: string; state: EndpointState }

export class EndpointTable {
  private readonly byContainer = new Map<string, Map<string, LiveEndpoint>>();

  set(e: LiveEndpoint): void {
    let m = this.byContainer.get(e.containerId);
    if (!m) this.byContainer.set(e.containerId, (m = new Map()));
    m.set(e.networkId, e);
  }

  get(containerId: string, networkId: string): LiveEndpoint | undefined {
    return this.byContainer.get(containerId)?.get(networkId);
  }

  delete(containerId: string, networkId: string): void {
    const m = this.byContainer.get(containerId);
    m?.delete(networkId);
    if (m && m.size === 0) this.byContainer.delete(containerId);
  }

  /** Forgets the container; returns the ids of the networks it was on. */
  dropContainer(containerId: string): string[] {
    const nets = [...(this.byContainer.get(containerId)?.keys() ?? [])];
    this.byContainer.delete(containerId);
    return nets;
  }

  clear(): void {
    this.byContainer.clear();
  }

  membersOf(networkId: string): LiveEndpoint[] {
    const out: LiveEndpoint[] = [];
    for (const eps of this.byContainer.values()) { const e = eps.get(networkId); if (e) out.push(e); }
    return out;
  }

  /** Every container sharing at least one of these networks. */
  containersOn(networkIds: Iterable<string>): Set<string> {
    const out = new Set<string>();
    for (const n of networkIds) for (const e of this.membersOf(n)) out.add(e.containerId);
    return out;
  }

  /**
   * Every container of the container's networks (itself included, as Docker's DNS answers a
   * container's own name and aliases too), with every name it answers to.
   */
  peersOf(containerId: string): HostsPeer[] {
    const peers: HostsPeer[] = [];
    for (const netId of this.byContainer.get(containerId)?.keys() ?? []) {
      for (const e of this.membersOf(netId)) peers.push({ ip: e.state.ipAddress, names: [e.name, ...e.state.aliases, e.containerId.slice(0, 12)] });
    }
    return peers;
  }
}
