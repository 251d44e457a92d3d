/**
 * @module containers/container-create
 * Turns a create request plus the image's config into a container record (moby's merge rules:
 * an explicit entrypoint drops the image's CMD; env is merged by key; labels are merged) and
 * prepares the writable snapshot. Nothing is left behind when any step fails.
 */
import path from 'node:path';
import type { ContainerConfig, ContainerCreateSpec, ContainerRecord, HealthConfig, HostConfig } from './container-types.js';
import type { ImageRecord } from '../images/image-types.js';
import type { ContainerContext } from './container-context.js';
import { newContainerId, randomName, validateName } from '../ids/container-id.js';
import { errors } from '../errors/engine-error.js';
import { materializeMounts, planMounts } from './container-mounts.js';
import { planNetworking } from '../network/container-networking.js';
import { discardUnsupported, validateHostConfig } from './limits.js';
import { validateHealthConfig } from './health-config.js';

export function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const key = (e: string) => e.split('=', 1)[0]!;
  const out = [...base];
  for (const e of over) {
    const i = out.findIndex((b) => key(b) === key(e));
    if (i >= 0) out[i] = e; else out.push(e);
  }
  return out;
}

export function defaultHostConfig(h: Partial<HostConfig>): HostConfig {
  return {
    autoRemove: h.autoRemove ?? false,
    restartPolicy: h.restartPolicy ?? { name: 'no', maximumRetryCount: 0 },
    networkMode: h.networkMode || 'bridge',
    binds: h.binds ?? [],
    portBindings: h.portBindings ?? {},
    publishAllPorts: h.publishAllPorts ?? false,
    privileged: h.privileged ?? false,
    readonlyRootfs: h.readonlyRootfs ?? false,
    capAdd: h.capAdd ?? [],
    capDrop: h.capDrop ?? [],
    securityOpt: h.securityOpt ?? [],
    memory: h.memory ?? 0,
    memorySwap: h.memorySwap ?? 0,
    nanoCpus: h.nanoCpus ?? 0,
    cpuShares: h.cpuShares ?? 0,
    pidsLimit: h.pidsLimit ?? null,
    consoleSize: h.consoleSize ?? [0, 0],
    init: h.init ?? false,
    logConfig: h.logConfig ?? { type: 'k8s-file', config: {} },
    extraHosts: h.extraHosts ?? [],
    dns: h.dns ?? [],
    ...(h.mounts?.length ? { mounts: h.mounts } : {}),
    ...(h.tmpfs && Object.keys(h.tmpfs).length ? { tmpfs: h.tmpfs } : {}),
    ...(h.volumesFrom?.length ? { volumesFrom: h.volumesFrom } : {}),
    ...(h.links?.length ? { links: h.links } : {}),
    ...limitFields(h),
  };
}

export function mergeConfig(id: string, spec: ContainerCreateSpec, image: ImageRecord): { config: ContainerConfig; path: string; args: string[] } {
  const u = spec.config;
  const ic = image.config;
  let entrypoint: string[] | null;
  let cmd: string[] | null;
  const userEp = u.entrypoint;
  if (userEp && userEp.length > 0 && !(userEp.length === 1 && userEp[0] === '')) {
    entrypoint = [...userEp];
    cmd = u.cmd && u.cmd.length ? [...u.cmd] : null;
  } else {
    cmd = u.cmd && u.cmd.length ? [...u.cmd] : ic.cmd ? [...ic.cmd] : null;
    // An explicit empty entrypoint ("--entrypoint ''") clears the image's.
    entrypoint = userEp === undefined || userEp === null ? (ic.entrypoint ? [...ic.entrypoint] : null) : null;
  }
  const argv = [...(entrypoint ?? []), ...(cmd ?? [])];
  if (argv.length === 0) throw errors.invalid('No command specified');
  const config: ContainerConfig = {
    hostname: u.hostname || id.slice(0, 12),
    domainname: u.domainname ?? '',
    user: u.user || ic.user || '',
    attachStdin: u.attachStdin ?? false,
    attachStdout: u.attachStdout ?? false,
    attachStderr: u.attachStderr ?? false,
    exposedPorts: { ...(ic.exposedPorts ?? {}), ...(u.exposedPorts ?? {}) },
    tty: u.tty ?? false,
    openStdin: u.openStdin ?? false,
    stdinOnce: u.stdinOnce ?? false,
    env: mergeEnv(ic.env ?? [], u.env ?? []),
    cmd,
    entrypoint,
    image: u.image,
    volumes: { ...(ic.volumes ?? {}), ...(u.volumes ?? {}) },
    workingDir: u.workingDir || ic.workingDir || '',
    labels: { ...(ic.labels ?? {}), ...(u.labels ?? {}) },
    ...(u.stopSignal ?? ic.stopSignal ? { stopSignal: u.stopSignal ?? ic.stopSignal } : {}),
    ...(u.stopTimeout !== undefined ? { stopTimeout: u.stopTimeout } : {}),
    ...((u.healthcheck ?? ic.healthcheck) ? { healthcheck: mergeHealthcheck(u.healthcheck, ic.healthcheck) } : {}),
  };
  if (config.workingDir && !path.posix.isAbsolute(config.workingDir)) {
    throw errors.invalid(`the working directory '${config.workingDir}' is invalid, it needs to be an absolute path`);
  }
  return { config, path: argv[0]!, args: argv.slice(1) };
}

export async function createContainer(ctx: ContainerContext, spec: ContainerCreateSpec): Promise<{ id: string; warnings: string[] }> {
  const { repo, snapshotter } = ctx.deps;
  const hostConfig = defaultHostConfig(spec.hostConfig);
  validateHostConfig(hostConfig);
  const limitWarnings = discardUnsupported(hostConfig);
  // Unknown networks, links to missing containers, `container:` conflicts: 4xx before anything exists.
  const netPlan = await planNetworking(ctx.deps.network, (ref) => ctx.resolve(ref), hostConfig, !!spec.config.hostname, spec.endpointsConfig);
  hostConfig.networkMode = netPlan.networkMode;
  if (hostConfig.restartPolicy.name !== 'no' && hostConfig.autoRemove) {
    throw errors.invalid('can\'t create \'AutoRemove\' container with restart policy');
  }
  const image = await ctx.deps.images.resolve(spec.config.image);
  const id = newContainerId();
  const name = spec.name ? validateName(spec.name) : randomName((n) => !!ctx.nameTaken(n) || ctx.reservedNames.has(n));
  const holder = ctx.nameTaken(name);
  if (holder || ctx.reservedNames.has(name)) {
    throw errors.conflict(`Conflict. The container name "/${name}" is already in use by container "${holder?.id ?? 'being created'}". You have to remove (or rename) that container to be able to reuse that name.`);
  }
  const { config, path: p, args } = mergeConfig(id, spec, image);
  // `container:<id>` shares that container's UTS view of the network: its hostname (Docker does the same).
  if (netPlan.networkMode.startsWith('container:')) config.hostname = ctx.resolve(netPlan.networkMode.slice(10)).config.hostname;
  const plan = planMounts({ config, hostConfig, mountsOf: (ref) => ctx.resolve(ref).mounts ?? [] });
  ctx.reservedNames.add(name);
  const createdVolumes: string[] = [];
  try {
    const mounts = await materializeMounts(plan, ctx.deps.volumes, createdVolumes);
    try {
      await snapshotter.prepare(id, image.chainId);
    } catch (err) {
      for (const v of createdVolumes) await ctx.deps.volumes?.remove(v, { force: true }).catch(() => undefined);
      throw err;
    }
    const rec: ContainerRecord = {
      id, name, created: new Date().toISOString(), path: p, args, config, hostConfig,
      image: image.id,
      state: { status: 'created', pid: 0, exitCode: 0, error: '', startedAt: null, finishedAt: null, oomKilled: false, restartCount: 0 },
      snapshotKey: id,
      logPath: path.join(repo.dir(id), 'ctr.log'),
      generation: 0,
      ...(mounts.length ? { mounts } : {}),
      ...(netPlan.endpoints ? { endpoints: netPlan.endpoints } : {}),
    };
    try {
      await repo.put(rec);
    } catch (err) {
      await snapshotter.remove(id).catch(() => undefined);
      await repo.delete(id).catch(() => undefined);
      for (const v of createdVolumes) await ctx.deps.volumes?.remove(v, { force: true }).catch(() => undefined);
      throw err;
    }
    ctx.publish(rec, 'create');
    return { id, warnings: [...limitWarnings, ...(spec.ignored ?? []).map((f) => `${f} is not supported by Berth and was ignored`)] };
  } finally {
    ctx.reservedNames.delete(name);
  }
}

/** The optional limit fields, kept only when set (older records have none). */
function limitFields(h: Partial<HostConfig>): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  if (h.cpuQuota) out.cpuQuota = h.cpuQuota;
  if (h.cpuPeriod) out.cpuPeriod = h.cpuPeriod;
  if (h.cpusetCpus) out.cpusetCpus = h.cpusetCpus;
  if (h.cpusetMems) out.cpusetMems = h.cpusetMems;
  if (h.memoryReservation) out.memoryReservation = h.memoryReservation;
  if (h.blkioWeight) out.blkioWeight = h.blkioWeight;
  if (h.ulimits?.length) out.ulimits = h.ulimits;
  if (h.devices?.length) out.devices = h.devices;
  return out;
}

/** moby merge of Healthcheck: the user's test replaces the image's; unset durations come from the image. */
function mergeHealthcheck(u: HealthConfig | undefined, i: HealthConfig | undefined): HealthConfig {
  validateHealthConfig(u);
  if (!u) return { ...i };
  if (!i) return { ...u };
  const out: HealthConfig = { ...i, ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined && v !== 0)) };
  if (!u.test?.length && i.test) out.test = i.test;
  return out;
}
