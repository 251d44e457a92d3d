/**
 * @module containers/container-bundle
 * Prepares and tears down what a container needs to run: the mounted rootfs, its network, the
 * generated /etc/{hostname,hosts,resolv.conf}, and the OCI bundle's config.json. `teardown` is
 * idempotent and is what every exit, failed start and removal calls.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord, ContainerNetwork } from './container-types.js';
import type { ContainerContext } from './container-context.js';
import { buildOciSpec } from './oci-spec.js';
import { mkdirInRoot, resolveUser } from './rootfs-paths.js';
import { prepareMountTargets } from './container-mounts.js';
import { endpointsOf, linkExtras, writeHostsFile } from '../network/container-networking.js';

export async function prepareBundle(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const { snapshotter, mounter, network } = ctx.deps;
  const bundle = ctx.bundleDir(rec.id);
  const rootfs = ctx.rootfsDir(rec.id);
  const mode = rec.hostConfig.networkMode === 'default' ? 'bridge' : rec.hostConfig.networkMode;
  // The rootfs mount and the network setup are independent spawns: do them side by side.
  const [, att] = await Promise.all([
    (async () => {
      await fs.mkdir(rootfs, { recursive: true, mode: 0o700 });
      await mounter.mount(await snapshotter.mounts(rec.snapshotKey), rootfs);
    })(),
    network?.attach({ containerId: rec.id, mode, hostname: rec.config.hostname }),
  ]);
  const user = await resolveUser(rootfs, rec.config.user);
  const cwd = rec.config.workingDir || '/';
  if (cwd !== '/') await mkdirInRoot(rootfs, cwd);
  await prepareMountTargets(rootfs, rec);

  let netnsPath: string | null | undefined;
  if (att) {
    netnsPath = att.netnsPath;
    rec.network = {
      ipAddress: att.ipAddress, ipPrefixLen: att.ipPrefixLen, gateway: att.gateway, macAddress: att.macAddress,
      networkName: att.networkName, ...(att.netnsPath ? { netnsPath: att.netnsPath } : {}),
      ...(endpointsOf(att) ? { networks: endpointsOf(att) } : {}),
    };
    await publishPorts(ctx, rec);
  } else {
    netnsPath = mode === 'host' ? null : undefined;
  }

  const links = linkExtras(rec, (ref) => ctx.resolve(ref));
  const etc = mode.startsWith('container:') ? sharedEtcFiles(ctx, mode.slice(10)) : await writeEtcFiles(ctx, rec, rec.network, links.hosts);
  // Link env goes first so the container's own env wins on a clash (moby does the same).
  const specRec = links.env.length ? { ...rec, config: { ...rec.config, env: [...links.env, ...rec.config.env] } } : rec;
  const spec = buildOciSpec({
    record: specRec, rootfsPath: rootfs, user, cwd, cgroupsPath: ctx.cgroupsPath(rec.id), netnsPath,
    etcFiles: etc, defaultPidsLimit: ctx.deps.defaultPidsLimit,
  });
  await fs.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
}

/**
 * DNAT for `-p`/`-P`, once the container has its address. A port already taken fails the start
 * here, before runc runs; the caller's teardown then unpublishes and detaches.
 */
async function publishPorts(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const ports = ctx.deps.ports;
  const net = rec.network;
  const h = rec.hostConfig;
  if (!ports || !net?.ipAddress) return;
  if (!Object.keys(h.portBindings ?? {}).length && !h.publishAllPorts) return;
  const assigned = await ports.publish({
    containerId: rec.id, name: rec.name, containerIp: net.ipAddress, publishAll: h.publishAllPorts ?? false,
    portBindings: h.portBindings ?? {}, exposedPorts: rec.config.exposedPorts ?? {},
  });
  if (Object.keys(assigned).length) net.ports = assigned;
}

/** `--network container:<id>`: the same hostname/hosts/resolv.conf files as that container, as Docker does. */
function sharedEtcFiles(ctx: ContainerContext, ref: string) {
  const dir = ctx.deps.repo.dir(ctx.resolve(ref).id);
  return { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolvConf: path.join(dir, 'resolv.conf') };
}

async function writeEtcFiles(ctx: ContainerContext, rec: ContainerRecord, net: ContainerNetwork | undefined, linkHosts = '') {
  const dir = ctx.deps.repo.dir(rec.id);
  const hostname = path.join(dir, 'hostname');
  const hosts = path.join(dir, 'hosts');
  const resolvConf = path.join(dir, 'resolv.conf');
  const hostLine = net?.ipAddress ? `${net.ipAddress}\t${rec.config.hostname}\n` : '';
  const extra = rec.hostConfig.extraHosts.map((h) => {
    const i = h.indexOf(':');
    return `${h.slice(i + 1)}\t${h.slice(0, i)}\n`;
  }).join('');
  // Regenerated at every start, so a torn file after a crash costs nothing: no fsync here.
  await fs.writeFile(hostname, `${rec.config.hostname}\n`, { mode: 0o644 });
  await writeHostsFile(ctx.deps.network, hosts, rec.id,
    '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n' +
    'ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n' + extra + linkHosts + hostLine);
  await fs.writeFile(resolvConf, await resolvConfFor(rec), { mode: 0o644 });
  return { hostname, hosts, resolvConf };
}

/** The host's resolv.conf minus loopback resolvers (unreachable from a container netns), like Docker. */
async function resolvConfFor(rec: ContainerRecord): Promise<string> {
  let host = '';
  try { host = await fs.readFile('/etc/resolv.conf', 'utf8'); } catch { /* none */ }
  const lines = host.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l));
  if (rec.hostConfig.dns.length) {
    return [...lines.filter((l) => !/^\s*nameserver/.test(l)), ...rec.hostConfig.dns.map((d) => `nameserver ${d}`)].join('\n') + '\n';
  }
  if (!lines.some((l) => /^\s*nameserver/.test(l))) lines.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return lines.join('\n').trim() + '\n';
}

/** Releases everything a run took: task, mount, network. Safe to call repeatedly. */
export async function teardown(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const { tasks, mounter, network, ports, logger } = ctx.deps;
  // Independent once the task is gone, so they run side by side (each is a process spawn).
  await Promise.all([
    tasks.delete(rec.id).catch((err) => logger.warn('runc delete failed', { id: rec.id, err })),
    mounter.unmount(ctx.rootfsDir(rec.id)).catch((err) => logger.warn('unmount failed', { id: rec.id, err })),
    (async () => {
      // Rules first: a DNAT towards a released address could hit the next container that gets it.
      await ports?.unpublish(rec.id).catch((err) => logger.warn('unpublishing ports failed', { id: rec.id, err }));
      await network?.detach(rec.id).catch((err) => logger.warn('network detach failed', { id: rec.id, err }));
    })(),
  ]);
  delete rec.network;
}
