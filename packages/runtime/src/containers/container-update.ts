/**
 * @module containers/container-update
 * `docker update`: merge a resource patch into the record with moby's rules (container/container.go
 * UpdateContainer: a zero field means "unchanged"; NanoCpus and CPU period/quota exclude each
 * other across updates), apply it to the live cgroup with `runc update -r` when the container runs,
 * then persist. The cgroup is changed first, so a refused value (e.g. a limit below current usage)
 * leaves the record as it was.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostConfig, RestartPolicy } from './container-types.js';
import type { ContainerContext } from './container-context.js';
import { errors } from '../errors/engine-error.js';
import { CommandError, run } from '../util/exec-file.js';
import { resourcesOf, validateResources } from './limits.js';

/** The updatable resources (moby container.Resources subset), wire zero = unchanged. */
export interface ResourceUpdate {
  memory?: number;
  memorySwap?: number;
  memoryReservation?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  blkioWeight?: number;
  /** null = leave; ≤ 0 = unlimited (the daemon default applies). */
  pidsLimit?: number | null;
}

export interface ContainerUpdatePatch { restartPolicy?: RestartPolicy; resources?: ResourceUpdate }

const LIVE = ['running', 'paused', 'stopping', 'starting'];

/** moby UpdateContainer's merge and conflict checks. */
export function mergeResources(cur: HostConfig, r: ResourceUpdate): HostConfig {
  const conflict = (m: string) => errors.invalid(`Conflicting options: ${m}`);
  if ((r.nanoCpus ?? 0) > 0 && (cur.cpuPeriod ?? 0) > 0) throw conflict('Nano CPUs cannot be updated as CPU Period has already been set');
  if ((r.nanoCpus ?? 0) > 0 && (cur.cpuQuota ?? 0) > 0) throw conflict('Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((r.cpuPeriod ?? 0) > 0 && cur.nanoCpus > 0) throw conflict('CPU Period cannot be updated as NanoCPUs has already been set');
  if ((r.cpuQuota ?? 0) > 0 && cur.nanoCpus > 0) throw conflict('CPU Quota cannot be updated as NanoCPUs has already been set');
  const next: HostConfig = { ...cur };
  if (r.blkioWeight) next.blkioWeight = r.blkioWeight;
  if (r.cpuShares) next.cpuShares = r.cpuShares;
  if (r.nanoCpus) next.nanoCpus = r.nanoCpus;
  if (r.cpuPeriod) next.cpuPeriod = r.cpuPeriod;
  if (r.cpuQuota) next.cpuQuota = r.cpuQuota;
  if (r.cpusetCpus) next.cpusetCpus = r.cpusetCpus;
  if (r.cpusetMems) next.cpusetMems = r.cpusetMems;
  if (r.memory) {
    const curSwap = cur.memory > 0 && cur.memorySwap === 0 ? cur.memory * 2 : cur.memorySwap;
    if (curSwap > 0 && r.memory > curSwap && !r.memorySwap) {
      throw errors.invalid('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    // Keep Docker's implicit "swap = 2 × memory" pinned to the old value, as moby stored it.
    if (cur.memory > 0 && cur.memorySwap === 0 && !r.memorySwap) next.memorySwap = curSwap;
    next.memory = r.memory;
  }
  if (r.memorySwap) next.memorySwap = r.memorySwap;
  if (r.memoryReservation) next.memoryReservation = r.memoryReservation;
  if (r.pidsLimit !== undefined && r.pidsLimit !== null) next.pidsLimit = r.pidsLimit > 0 ? r.pidsLimit : null;
  return next;
}

export async function updateContainer(ctx: ContainerContext, ref: string, patch: ContainerUpdatePatch): Promise<{ warnings: string[] }> {
  const id = ctx.resolve(ref).id;
  const warnings: string[] = [];
  await ctx.locks.run(id, async () => {
    const rec = ctx.current(id, ref);
    let hostConfig = rec.hostConfig;
    if (patch.resources) {
      validateResources(patch.resources, { update: true });
      hostConfig = mergeResources(hostConfig, patch.resources);
      validateResources(hostConfig, { update: true });
    }
    const policy = patch.restartPolicy;
    if (policy) {
      if (rec.hostConfig.autoRemove && policy.name !== 'no') {
        throw errors.invalid('Restart policy cannot be updated because AutoRemove is enabled for the container');
      }
      hostConfig = { ...hostConfig, restartPolicy: { name: policy.name, maximumRetryCount: policy.maximumRetryCount } };
    }
    if (hostConfig === rec.hostConfig) return;
    if (patch.resources && LIVE.includes(rec.state.status)) {
      await runcUpdate(ctx, rec.id, resourcesOf(hostConfig, ctx.deps.defaultPidsLimit));
    }
    rec.hostConfig = hostConfig;
    await ctx.deps.repo.put(rec);
    ctx.publish(rec, 'update');
  });
  return { warnings };
}

/** `runc update -r <file>`: the same resources object the spec carries, applied to the live cgroup. */
async function runcUpdate(ctx: ContainerContext, id: string, resources: object): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-upd-'));
  const file = path.join(dir, 'r.json');
  try {
    await fs.writeFile(file, JSON.stringify(resources));
    await run('runc', ['--root', path.join(ctx.deps.execRoot, 'runc'), 'update', '-r', file, id]);
  } catch (err) {
    const msg = err instanceof CommandError ? err.stderr.replace(/^time="[^"]*" level=\w+ msg="?/m, '').replace(/"\s*$/, '').trim() : String(err);
    throw errors.invalid(`Cannot update container ${id}: ${msg}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
