/**
 * @module create-engine
 * The composition root: the one place concrete classes are constructed, in dependency order
 * (stores → snapshotter → images → network → tasks → containers → services). berthd and the
 * integration tests both call it; unit tests build services from fakes instead.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { EngineServices } from './services.js';
import { LocalContentStore } from './content/local-content-store.js';
import { OverlaySnapshotter } from './snapshots/overlay-snapshotter.js';
import { LinuxMounter } from './snapshots/linux-mounter.js';
import { applyLayer } from './archive/apply-layer.js';
import { ImageStore } from './images/image-store.js';
import { LocalImageService } from './images/local-image-service.js';
import { JsonContainerRepository } from './metadata/container-repository.js';
import { ConmonTaskManager } from './task/conmon-task-manager.js';
import { readK8sFileLogs } from './logs/k8s-file-reader.js';
import { BridgeNetworkManager } from './network/bridge-network-manager.js';
import { IptablesPortPublisher } from './network/port-publisher.js';
import { LocalNetworkService } from './network/network-service.js';
import { parsePools } from './network/subnet-pool.js';
import { EventBus } from './events/event-bus.js';
import { streamEvents } from './events/event-stream.js';
import { LocalContainerService } from './containers/container-service.js';
import { LocalVolumeService } from './volumes/volume-service.js';
import { LocalExecService } from './exec/exec-service.js';
import { LocalSystemService } from './system/system-service.js';
import { computeDiskUsage } from './system/disk-usage.js';
import { ClassicBuilder } from './build/builder.js';
import { run } from './util/exec-file.js';
import { layerExplorerMethods } from './images/layer-explorer.js';
import { containerFileMethods } from './containers/container-files.js';
import { createHostStats } from './system/host-stats.js';
import { createPortMapService } from './network/port-map.js';
import type { Logger } from './util/logger.js';

export interface EngineOptions {
  dataRoot: string;
  execRoot: string;
  logger: Logger;
  bridgeName: string;
  /** Gateway address with prefix, e.g. 10.231.0.1/24. */
  bip: string;
  cgroupParent: string;
  defaultPidsLimit: number;
  logMaxSize: number;
  /** dockerd's --default-address-pool for user networks (`base=CIDR,size=N`, `;`-separated). */
  defaultAddressPools?: string;
  /** dockerd's --insecure-registry: hosts (host[:port] or CIDR) reached over plain HTTP. */
  insecureRegistries?: string[];
}

export interface Engine {
  services: EngineServices;
  events: EventBus;
  shutdown(): Promise<void>;
}

export async function createEngine(o: EngineOptions): Promise<Engine> {
  const { logger } = o;
  for (const d of [o.dataRoot, o.execRoot]) await fs.mkdir(d, { recursive: true, mode: 0o711 });
  const events = new EventBus();

  const content = new LocalContentStore(path.join(o.dataRoot, 'content'));
  const snapshotter = new OverlaySnapshotter(path.join(o.dataRoot, 'overlay'));
  const mounter = new LinuxMounter();
  const repo = await JsonContainerRepository.open(path.join(o.dataRoot, 'containers'));
  const imageStore = await ImageStore.open(path.join(o.dataRoot, 'image'));
  const images = new LocalImageService({
    content, snapshotter, store: imageStore, applyLayer,
    inUse: async (imageId) => {
      // A running user is a hard conflict, so report it first (Docker's order).
      const users = repo.all().filter((r) => r.image === imageId);
      const c = users.find((r) => ['running', 'paused', 'starting', 'stopping', 'restarting'].includes(r.state.status)) ?? users[0];
      return c && { containerId: c.id, running: ['running', 'paused', 'starting', 'stopping', 'restarting'].includes(c.state.status) };
    },
    events: (action: string, id: string, attrs: Record<string, string> = {}) => { events.publish('image', action, id, attrs); },
  }, { insecureRegistries: o.insecureRegistries ?? [] });

  const [gateway, prefix] = o.bip.split('/');
  const subnet = cidrOf(gateway!, Number(prefix));
  const network = new BridgeNetworkManager({
    bridgeName: o.bridgeName, subnet, stateDir: path.join(o.dataRoot, 'network'),
    netnsPrefix: `${o.bridgeName.slice(0, 6)}-`,
  });
  await network.init();
  const networks = await LocalNetworkService.open({
    bridge: network, stateDir: path.join(o.dataRoot, 'network'), logger, events,
    pools: parsePools(o.defaultAddressPools ?? process.env.BERTH_DEFAULT_ADDRESS_POOL ?? ''),
  });
  await networks.init();
  const ports = new IptablesPortPublisher({ bridgeName: o.bridgeName });
  await ports.init();

  // The exec root may be long in tests; conmon's attach socket path must stay under 108 bytes.
  const tasks = new ConmonTaskManager({
    runcRoot: path.join(o.execRoot, 'runc'), exitDir: path.join(o.execRoot, 'exits'),
    socketDir: path.join(o.execRoot, 'socket'), cgroupParent: o.cgroupParent, logger,
  });

  const volumes = new LocalVolumeService({
    root: path.join(o.dataRoot, 'volumes'),
    usedBy: (name) => repo.all().filter((r) => r.mounts?.some((m) => m.type === 'volume' && m.name === name)).map((r) => r.id),
  });
  const containers = new LocalContainerService({
    repo, images, snapshotter, mounter, tasks, readLogs: readK8sFileLogs, network: networks, ports, volumes, events, logger,
    execRoot: o.execRoot, cgroupParent: o.cgroupParent, defaultPidsLimit: o.defaultPidsLimit, logMaxSize: o.logMaxSize,
  });
  networks.bindContainers({
    all: () => repo.all(), get: (id) => repo.get(id), resolve: (ref) => containers.ctx.resolve(ref),
    withLock: (id, fn) => containers.ctx.locks.run(id, fn), save: (rec) => repo.put(rec),
    hostsPath: (id) => path.join(repo.dir(id), 'hosts'),
  });
  await containers.reconcile();
  // Rebuilds the DNAT chain from the records: no duplicates, nothing of containers gone meanwhile.
  await ports.restore(repo.all().filter((r) => ['running', 'paused'].includes(r.state.status) && r.network?.ports)
    .map((r) => ({ containerId: r.id, containerIp: r.network!.ipAddress, ports: r.network!.ports! })));
  await networks.reconcile(new Set(repo.all().filter((r) => ['running', 'paused'].includes(r.state.status)).map((r) => r.id)));
  const watcher = new AbortController();
  const watching = containers.watchExits(watcher.signal);

  const exec = new LocalExecService(containers.ctx);
  const builds = await ClassicBuilder.open({ images, containers, snapshotter, mounter, root: path.join(o.dataRoot, 'build'), logger });
  const system = new LocalSystemService({
    repo, imageCount: async () => (await images.list({})).length, dataRoot: o.dataRoot, execRoot: o.execRoot,
    engineId: await engineId(o.dataRoot), runtimeVersion: await runcVersion(), pidsLimit: o.defaultPidsLimit,
  });
  // `docker system df` needs containers, images, snapshots and volumes: composed here (system/disk-usage.ts).
  Object.assign(system, { df: () => computeDiskUsage({ containers: () => repo.all(), images, snapshotter, volumes }) });
  // Dashboard extensions (layer explorer, file views, host stats, port map): composed here, additive.
  Object.assign(images, layerExplorerMethods({ resolve: (r) => images.resolve(r), layerDir: (c) => snapshotter.upperDir(c) }));
  Object.assign(containers, containerFileMethods(containers.ctx));
  Object.assign(system, { hostStats: createHostStats() });
  const portMap = createPortMapService({ records: () => repo.all() });

  return {
    services: { containers, exec, images, system, volumes, networks, builds, ports: portMap, events: { subscribe: (opts) => streamEvents(events, opts) } },
    events,
    async shutdown() {
      watcher.abort();
      await watching.catch(() => undefined);
      tasks.close();
    },
  };
}

function cidrOf(ip: string, prefix: number): string {
  const n = ip.split('.').reduce((a, b) => (a << 8) + Number(b), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${prefix}`;
}

async function engineId(dataRoot: string): Promise<string> {
  const file = path.join(dataRoot, 'engine-id');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const id = createHash('sha256').update(`${dataRoot}${Date.now()}${Math.random()}`).digest('hex').slice(0, 36);
    await fs.writeFile(file, id);
    return id;
  }
}

async function runcVersion(): Promise<string> {
  try {
    return /runc version (\S+)/.exec((await run('runc', ['--version'])).stdout)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
