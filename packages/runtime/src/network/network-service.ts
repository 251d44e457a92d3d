/**
 * @module network/network-service
 * `docker network …` and every container's networking, in one place: LocalNetworkService is both
 * the NetworkService the transports call and the ContainerNetworking the container lifecycle
 * calls (it wraps BridgeNetworkManager, which keeps owning the default bridge and each
 * container's netns).
 *
 * Lifecycle: `open` loads the persisted networks; `bindContainers` hands over access to container
 * records (the container service is built after us); `init` re-creates bridges, firewall and
 * isolation chains; `reconcile(keep)` after a restart rebuilds the live-endpoint table from the
 * records of running containers and frees everything else (addresses, stale veths).
 *
 * Per container start (`attach`): the NetworkMode decides the netns (default bridge, none, host,
 * `container:<id>` = join that container's netns, or a user network = an empty netns from the
 * bridge manager plus eth0 on that network); then every extra network in `record.endpoints`
 * gets an ethN. `detach` undoes all of it. Hosts files of the containers on the networks
 * concerned are rewritten after each change (hosts-file.ts explains why not DNS).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { errors } from '../errors/engine-error.js';
import { KeyedMutex, Mutex } from '../util/mutex.js';
import type { ContainerRecord, EndpointState } from '../containers/container-types.js';
import type { BridgeNetworkManager } from './bridge-network-manager.js';
import type { ContainerNetworkConfig } from './network-manager.js';
import { FileIpam, macForIp, parseSubnet, type Subnet } from './ipam.js';
import { NetworkStore, newNetworkId, type UserNetworkRecord } from './network-store.js';
import { DEFAULT_POOLS, hostRoutes, planSubnet, type AddressPool } from './subnet-pool.js';
import {
  addEndpointLink, endpointVethName, ensureUserBridge, installIsolation, isolationNames, netdevs, removeEndpointLink,
  removeUserBridge, userBridgeName, userVeths, type IsolationNames,
} from './user-bridge.js';
import { peersBlock, rewritePeers } from './hosts-file.js';
import { EndpointTable } from './endpoint-table.js';
import { labelsMatch, matchesFilter, networkViews, type ViewSources } from './network-views.js';
import type { EndpointRequest, NetworkCreateRequest, NetworkFilter, NetworkService, NetworkView } from './network-types.js';
import {
  forbidden, nextIf, onlyOne, stub, throwNoContainer, throwNotFound, uniquePrefix,
  type LocalNetworkServiceOptions, type MultiAttachedNetwork, type NetworkContainerAccess,
} from './network-service-support.js';

export type { LocalNetworkServiceOptions, MultiAttachedNetwork, NetworkContainerAccess } from './network-service-support.js';

interface LiveNet { rec: UserNetworkRecord; subnet: Subnet; ipam: FileIpam }

const PREDEFINED = new Set(['bridge', 'host', 'none']);
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const UP = new Set(['starting', 'running', 'paused', 'stopping']);

export class LocalNetworkService implements NetworkService {
  private readonly nets = new Map<string, LiveNet>();
  private readonly live = new EndpointTable();
  private readonly lock = new Mutex();
  /** One writer at a time per hosts file: rewrites are in place (bind mount), never atomic renames. */
  private readonly hostsLocks = new KeyedMutex();
  private readonly iso: IsolationNames;
  private readonly pools: readonly AddressPool[];
  private access: NetworkContainerAccess | undefined;

  private constructor(private readonly opts: LocalNetworkServiceOptions, private readonly store: NetworkStore) {
    this.iso = isolationNames(opts.bridge.bridgeName);
    this.pools = opts.pools?.length ? opts.pools : DEFAULT_POOLS;
  }

  static async open(opts: LocalNetworkServiceOptions): Promise<LocalNetworkService> {
    await fs.mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
    const store = new NetworkStore(path.join(opts.stateDir, 'networks.json'));
    await store.load();
    const svc = new LocalNetworkService(opts, store);
    for (const rec of store.all()) svc.nets.set(rec.id, svc.liveNet(rec));
    return svc;
  }

  bindContainers(access: NetworkContainerAccess): void {
    this.access = access;
  }

  get bridgeManager(): BridgeNetworkManager {
    return this.opts.bridge;
  }

  /** Bridges, firewall and isolation of every persisted network (idempotent). */
  async init(): Promise<void> {
    await this.lock.run(async () => {
      for (const n of this.nets.values()) {
        await ensureUserBridge(n.rec.bridge, n.subnet, n.rec.internal).catch((err) => {
          throw errors.internal(`cannot set up network ${n.rec.name}: ${(err as Error).message}`, err);
        });
      }
      await this.writeIsolation();
    });
  }

  // ---------------------------------------------------------------- NetworkService --

  async create(req: NetworkCreateRequest): Promise<{ id: string; warning: string }> {
    const name = req.name ?? '';
    if (!NAME_RE.test(name)) throw errors.invalid(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const driver = req.driver || 'bridge';
    if (driver === 'host' || driver === 'null') throw errors.precondition(`only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge') throw errors.notFoundMessage(`plugin "${driver}" not found`);
    if ((req.ipam?.length ?? 0) > 1) throw errors.notImplemented('more than one IPAM config is not supported by Berth');
    const want = req.ipam?.[0];
    if (want?.ipRange) throw errors.notImplemented('--ip-range is not supported by Berth');
    return this.lock.run(async () => {
      if (PREDEFINED.has(name) || [...this.nets.values()].some((n) => n.rec.name === name)) {
        throw errors.conflict(`network with name ${name} already exists`);
      }
      const used = [this.opts.bridge.subnet.cidr, ...[...this.nets.values()].map((n) => n.subnet.cidr)];
      const subnet = planSubnet(want ?? {}, used, this.pools, want?.subnet ? [] : await hostRoutes().catch(() => []));
      const id = newNetworkId();
      const bridge = req.options?.['com.docker.network.bridge.name'] || userBridgeName(id);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(bridge)) throw errors.invalid(`invalid bridge name: ${bridge}`);
      if ((await netdevs()).has(bridge)) throw errors.conflict(`bridge ${bridge} already exists on the host`);
      const rec: UserNetworkRecord = {
        id, name, created: new Date().toISOString(), bridge, subnet: subnet.cidr, gateway: subnet.gateway,
        internal: req.internal ?? false, options: req.options ?? {}, labels: req.labels ?? {},
      };
      const net = this.liveNet(rec);
      await this.store.add(rec);
      this.nets.set(id, net);
      try {
        await ensureUserBridge(bridge, subnet, rec.internal);
        await this.writeIsolation();
      } catch (err) {
        this.nets.delete(id);
        await this.store.delete(id).catch(() => undefined);
        await removeUserBridge(bridge).catch(() => undefined);
        await this.writeIsolation().catch(() => undefined);
        throw errors.internal(`cannot create network ${name}: ${(err as Error).message}`, err);
      }
      this.emit('create', rec.id, { name, type: 'bridge' });
      return { id, warning: req.enableIpv6 ? 'IPv6 is not supported by Berth; the network has IPv4 only' : '' };
    });
  }

  async list(filter: NetworkFilter = {}): Promise<NetworkView[]> {
    return networkViews(this.viewSources()).filter((v) => matchesFilter(v, filter));
  }

  async inspect(idOrName: string): Promise<NetworkView> {
    const views = networkViews(this.viewSources());
    return views.find((v) => v.id === idOrName) ?? views.find((v) => v.name === idOrName)
      ?? uniquePrefix(views, idOrName) ?? throwNotFound(idOrName);
  }

  async remove(idOrName: string): Promise<void> {
    const v = await this.inspect(idOrName);
    if (v.predefined) throw forbidden(`${v.name} is a pre-defined network and cannot be removed`);
    await this.lock.run(async () => {
      const net = this.nets.get(v.id);
      if (!net) return;
      if (this.live.membersOf(v.id).length) {
        // libnetwork's ActiveEndpointsError is Forbidden: 403, as dockerd answers.
        throw forbidden(`error while removing network: network ${v.name} id ${v.id} has active endpoints`);
      }
      await removeUserBridge(net.rec.bridge).catch((err) => { throw errors.internal(`cannot remove network ${v.name}: ${(err as Error).message}`, err); });
      this.nets.delete(v.id);
      await this.store.delete(v.id);
      await fs.rm(this.ipamFile(net.rec), { force: true });
      this.emit('destroy', v.id, { name: v.name, type: 'bridge' });
      await this.writeIsolation();
    });
  }

  async prune(filter: { labels?: string[] } = {}): Promise<string[]> {
    const removed: string[] = [];
    for (const n of [...this.nets.values()]) {
      if (this.live.membersOf(n.rec.id).length || !labelsMatch(n.rec.labels, filter.labels)) continue;
      try {
        await this.remove(n.rec.id);
        removed.push(n.rec.name);
      } catch { /* in use meanwhile: keep it */ }
    }
    return removed;
  }

  async connect(idOrName: string, container: string, ep: EndpointRequest = {}): Promise<void> {
    const net = await this.userNet(idOrName, 'connect');
    const access = this.containers();
    const id = access.resolve(container).id;
    await access.withLock(id, async () => {
      const rec = access.get(id) ?? throwNoContainer(container);
      const mode = rec.hostConfig.networkMode;
      if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) {
        throw errors.invalid(`container sharing network namespace with another container or host cannot be connected to any other network`);
      }
      if (rec.endpoints?.[net.rec.name] || this.primaryNet(rec)?.rec.id === net.rec.id) {
        throw forbidden(`endpoint with name ${rec.name} already exists in network ${net.rec.name}`);
      }
      const cfg = { networkId: net.rec.id, aliases: ep.aliases ?? [], ...(ep.ipv4Address ? { ipv4Address: ep.ipv4Address } : {}) };
      const running = UP.has(rec.state.status) && rec.network?.netnsPath;
      if (running) {
        const taken = new Set(Object.values(rec.network!.networks ?? {}).map((e) => e.ifName));
        if (rec.network!.ipAddress && !this.primaryNet(rec)) taken.add('eth0');
        const state = await this.attachEndpoint(rec, path.basename(rec.network!.netnsPath!), net, nextIf(taken), cfg, false);
        rec.network!.networks = { ...(rec.network!.networks ?? {}), [net.rec.name]: state };
      }
      rec.endpoints = { ...(rec.endpoints ?? {}), [net.rec.name]: cfg };
      await access.save(rec);
      if (running) await this.refreshHosts([net.rec.id]);
    });
  }

  async disconnect(idOrName: string, container: string, _opts: { force?: boolean } = {}): Promise<void> {
    const net = await this.userNet(idOrName, 'disconnect');
    const access = this.containers();
    const id = access.resolve(container).id;
    await access.withLock(id, async () => {
      const rec = access.get(id) ?? throwNoContainer(container);
      const live = this.live.get(id, net.rec.id);
      if (!rec.endpoints?.[net.rec.name] && !live && this.primaryNet(rec)?.rec.id !== net.rec.id) {
        throw forbidden(`container ${rec.id} is not connected to network ${net.rec.name}`);
      }
      if (live) {
        await removeEndpointLink(live.hostVeth);
        await net.ipam.release(id);
        this.live.delete(id, net.rec.id);
        this.emit('disconnect', net.rec.id, { container: id, name: net.rec.name, type: 'bridge' });
        if (rec.network?.networks) delete rec.network.networks[net.rec.name];
      }
      if (rec.endpoints) delete rec.endpoints[net.rec.name];
      await access.save(rec);
      if (live) {
        await this.refreshHosts([net.rec.id]);
        await this.rewriteHosts(id);
      }
    });
  }

  // ----------------------------------------------------------- ContainerNetworking --

  async attach(cfg: ContainerNetworkConfig): Promise<MultiAttachedNetwork> {
    const mode = cfg.mode || 'bridge';
    const rec = this.containers().get(cfg.containerId);
    if (mode.startsWith('container:')) return this.joinContainer(mode.slice('container:'.length));
    if (mode === 'host' || mode === 'none') return this.opts.bridge.attach(cfg);
    const builtin = mode === 'bridge' || mode === 'default';
    const primary = builtin ? undefined : this.findNet(mode) ?? throwNotFound(mode);
    const base = await this.opts.bridge.attach({ ...cfg, mode: builtin ? 'bridge' : 'none' });
    const ns = this.opts.bridge.netnsName(cfg.containerId);
    const endpoints: Record<string, EndpointState> = {};
    try {
      if (primary) {
        const epc = rec?.endpoints?.[primary.rec.name] ?? { aliases: [] };
        endpoints[primary.rec.name] = await this.attachEndpoint(rec ?? stub(cfg), ns, primary, 'eth0', epc, true);
      }
      let n = 1;
      for (const [name, epc] of Object.entries(rec?.endpoints ?? {})) {
        const net = this.nets.get(epc.networkId) ?? this.findNet(name) ?? throwNotFound(name);
        if (net === primary) continue;
        endpoints[net.rec.name] = await this.attachEndpoint(rec!, ns, net, `eth${n++}`, epc, false);
      }
    } catch (err) {
      await this.detach(cfg.containerId).catch(() => undefined);
      throw err;
    }
    await this.refreshHosts(Object.values(endpoints).map((e) => e.networkId));
    const p = primary ? endpoints[primary.rec.name]! : undefined;
    return {
      ...base,
      ...(p ? { ipAddress: p.ipAddress, ipPrefixLen: p.ipPrefixLen, gateway: p.gateway, macAddress: p.macAddress, networkName: primary!.rec.name } : {}),
      ...(Object.keys(endpoints).length ? { endpoints } : {}),
    };
  }

  async detach(containerId: string): Promise<void> {
    const had = this.live.dropContainer(containerId);
    for (const n of had) this.emit('disconnect', n, { container: containerId, name: this.nets.get(n)?.rec.name ?? '', type: 'bridge' });
    // Derived names: also cleans up after an attach that died half-way.
    const devs = await netdevs();
    for (const net of this.nets.values()) {
      const veth = endpointVethName(containerId, net.rec.id);
      if (devs.has(veth)) await removeEndpointLink(veth);
      await net.ipam.release(containerId);
    }
    await this.opts.bridge.detach(containerId);
    if (had.length) await this.refreshHosts(had);
  }

  async reconcile(keep: ReadonlySet<string>): Promise<void> {
    this.live.clear();
    const expected = new Set<string>();
    for (const rec of this.containers().all()) {
      if (!keep.has(rec.id)) continue;
      for (const st of Object.values(rec.network?.networks ?? {})) {
        const net = this.nets.get(st.networkId);
        if (!net) continue;
        const hostVeth = endpointVethName(rec.id, net.rec.id);
        expected.add(hostVeth);
        this.live.set({ networkId: net.rec.id, containerId: rec.id, name: rec.name, hostVeth, state: st });
      }
    }
    for (const net of this.nets.values()) {
      await net.ipam.releaseExcept(new Set(this.live.membersOf(net.rec.id).map((e) => e.containerId)));
    }
    const bridges = new Set([...this.nets.values()].map((n) => n.rec.bridge));
    for (const [veth, master] of await userVeths()) {
      if (!expected.has(veth) && master && bridges.has(master)) await removeEndpointLink(veth).catch(() => undefined);
    }
    await this.opts.bridge.reconcile(keep);
    await this.refreshHosts([...this.nets.keys()]);
  }

  /** The peers block for a container's hosts file. */
  peerHosts(containerId: string): string {
    return peersBlock(this.live.peersOf(containerId));
  }

  /** Start-time write of a hosts file (container-bundle.ts), serialized with the peer rewrites. */
  writeHostsFile(containerId: string, file: string, base: string): Promise<void> {
    return this.hostsLocks.run(containerId, () => fs.writeFile(file, base + this.peerHosts(containerId), { mode: 0o644 }));
  }

  private rewriteHosts(containerId: string): Promise<void> {
    return this.hostsLocks.run(containerId, () => rewritePeers(this.containers().hostsPath(containerId), this.peerHosts(containerId)));
  }

  // ------------------------------------------------------------------- internals --

  private async joinContainer(ref: string): Promise<MultiAttachedNetwork> {
    const target = this.containers().resolve(ref);
    if (!UP.has(target.state.status)) throw errors.conflict(`cannot join network namespace of a non running container: ${ref}`);
    const nsPath = target.network?.netnsPath ?? (target.hostConfig.networkMode === 'host' ? null : undefined);
    if (nsPath === undefined) throw errors.conflict(`container ${ref} has no network namespace to join`);
    return { netnsPath: nsPath, ipAddress: '', ipPrefixLen: 0, gateway: '', macAddress: '', networkName: '' };
  }

  private async attachEndpoint(rec: ContainerRecord, netns: string, net: LiveNet, ifName: string, epc: { aliases: string[]; ipv4Address?: string }, defaultRoute: boolean): Promise<EndpointState> {
    const aliases = epc.aliases;
    const hostVeth = endpointVethName(rec.id, net.rec.id);
    const state = await this.lock.run(async () => {
      if (!this.nets.has(net.rec.id)) throwNotFound(net.rec.name);
      const ip = await net.ipam.allocate(rec.id, epc.ipv4Address);
      const st: EndpointState = {
        networkId: net.rec.id, endpointId: newNetworkId(), ifName, ipAddress: ip, ipPrefixLen: net.subnet.prefixLen,
        gateway: net.subnet.gateway, macAddress: macForIp(ip), aliases,
      };
      this.live.set({ networkId: net.rec.id, containerId: rec.id, name: rec.name, hostVeth, state: st });
      return st;
    });
    try {
      await addEndpointLink({
        netns, hostVeth, ifName, bridge: net.rec.bridge, ip: state.ipAddress, prefixLen: state.ipPrefixLen,
        gateway: state.gateway, mac: state.macAddress, defaultRoute,
      });
    } catch (err) {
      this.live.delete(rec.id, net.rec.id);
      await net.ipam.release(rec.id).catch(() => undefined);
      throw errors.internal(`failed to connect to network ${net.rec.name}: ${(err as Error).message}`, err);
    }
    this.emit('connect', net.rec.id, { container: rec.id, name: net.rec.name, type: 'bridge' });
    return state;
  }

  private emit(action: string, id: string, attributes: Record<string, string>): void {
    this.opts.events?.publish('network', action, id, attributes);
  }

  private async refreshHosts(networkIds: Iterable<string>): Promise<void> {
    await Promise.all([...this.live.containersOn(networkIds)].map((c) => this.rewriteHosts(c)
      .catch((err) => this.opts.logger.warn('hosts file update failed', { id: c, err }))));
  }

  private primaryNet(rec: ContainerRecord): LiveNet | undefined {
    const m = rec.hostConfig.networkMode;
    return PREDEFINED.has(m) || m === 'default' || m.startsWith('container:') ? undefined : this.findNet(m);
  }

  private findNet(ref: string): LiveNet | undefined {
    const all = [...this.nets.values()];
    return this.nets.get(ref) ?? all.find((n) => n.rec.name === ref)
      ?? (/^[0-9a-f]+$/.test(ref) ? onlyOne(all.filter((n) => n.rec.id.startsWith(ref))) : undefined);
  }

  private async userNet(ref: string, op: string): Promise<LiveNet> {
    const v = await this.inspect(ref);
    if (v.predefined) throw errors.notImplemented(`${op} on the predefined network ${v.name} is not supported by Berth`);
    return this.nets.get(v.id) ?? throwNotFound(ref);
  }

  private containers(): NetworkContainerAccess {
    if (!this.access) throw errors.internal('network service used before bindContainers()', undefined);
    return this.access;
  }

  private liveNet(rec: UserNetworkRecord): LiveNet {
    const subnet = parseSubnet(`${rec.gateway}/${rec.subnet.split('/')[1]}`);
    return { rec, subnet, ipam: new FileIpam(this.ipamFile(rec), subnet) };
  }

  private ipamFile(rec: UserNetworkRecord): string {
    return path.join(this.opts.stateDir, `ipam-${rec.bridge}.json`);
  }

  private async writeIsolation(): Promise<void> {
    await installIsolation(this.iso, [this.opts.bridge.bridgeName, ...[...this.nets.values()].map((n) => n.rec.bridge)]);
  }

  private viewSources(): ViewSources {
    return {
      predefinedIds: this.store.predefined,
      defaultBridge: { name: this.opts.bridge.bridgeName, subnet: this.opts.bridge.subnet },
      containers: this.access?.all() ?? [],
      networks: [...this.nets.values()].map((n) => ({ rec: n.rec, members: this.live.membersOf(n.rec.id) })),
    };
  }
}
