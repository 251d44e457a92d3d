/**
 * @module docker-api/routes/container-update
 * POST /containers/{id}/update (moby postContainerUpdate): the restart policy and the cgroup
 * resources (memory, CPU, cpuset, blkio weight, pids); any other non-zero field is refused rather
 * than silently ignored (Go clients send every field with its zero value, so "set" means "not the
 * zero value").
 */
import { z } from 'zod';
import { errors, type ResourceUpdate, type RestartPolicy } from '@berth/runtime';
import { readJson } from '../http/body.js';
import { json, type RequestContext, type Reply } from '../router.js';

const UpdateBodySchema = z.record(z.string(), z.unknown());
const POLICIES: ReadonlySet<string> = new Set(['no', 'always', 'unless-stopped', 'on-failure']);

function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === 0 || v === '' || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as Record<string, unknown>).every(isZero);
  return false;
}

/** Same rules and messages as create (moby runconfig validateRestartPolicy). */
export function updateRestartPolicy(rp: unknown): RestartPolicy | undefined {
  if (rp === undefined || rp === null) return undefined;
  if (typeof rp !== 'object') throw errors.invalid('invalid JSON: field RestartPolicy: expected object');
  const { Name, MaximumRetryCount } = rp as { Name?: unknown; MaximumRetryCount?: unknown };
  const name = typeof Name === 'string' && Name ? Name : 'no';
  if (!POLICIES.has(name)) {
    throw errors.invalid(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  const max = typeof MaximumRetryCount === 'number' ? MaximumRetryCount : 0;
  if (max < 0) throw errors.invalid('invalid restart policy: maximum retry count cannot be negative');
  if (max > 0 && name !== 'on-failure') throw errors.invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { name: name as RestartPolicy['name'], maximumRetryCount: max };
}

const NUMERIC: Record<string, keyof ResourceUpdate> = {
  Memory: 'memory', MemorySwap: 'memorySwap', MemoryReservation: 'memoryReservation', NanoCpus: 'nanoCpus', CpuShares: 'cpuShares',
  CpuPeriod: 'cpuPeriod', CpuQuota: 'cpuQuota', BlkioWeight: 'blkioWeight',
};
const TEXT: Record<string, keyof ResourceUpdate> = { CpusetCpus: 'cpusetCpus', CpusetMems: 'cpusetMems' };

/** The resource half of moby's UpdateConfig; undefined when nothing is set. */
export function updateResources(body: Record<string, unknown>): ResourceUpdate | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k in NUMERIC) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.invalid(`invalid JSON: field ${k}: expected integer`);
      if (v !== 0) out[NUMERIC[k]!] = v;
    } else if (k in TEXT) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'string') throw errors.invalid(`invalid JSON: field ${k}: expected string`);
      if (v !== '') out[TEXT[k]!] = v;
    } else if (k === 'PidsLimit') {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw errors.invalid('invalid JSON: field PidsLimit: expected integer');
      out.pidsLimit = v;
    }
  }
  return Object.keys(out).length ? (out as ResourceUpdate) : undefined;
}

export async function updateContainer(ctx: RequestContext): Promise<Reply> {
  const body = (await readJson(ctx, UpdateBodySchema)) ?? {};
  for (const [k, v] of Object.entries(body)) {
    if (k !== 'RestartPolicy' && k !== 'PidsLimit' && !(k in NUMERIC) && !(k in TEXT) && !isZero(v)) {
      throw errors.invalid(`${k} is not supported yet by this engine's update`);
    }
  }
  const restartPolicy = updateRestartPolicy(body.RestartPolicy);
  const resources = updateResources(body);
  const { warnings } = await ctx.services.containers.update(ctx.params.id!, {
    ...(restartPolicy ? { restartPolicy } : {}), ...(resources ? { resources } : {}),
  });
  return json({ Warnings: warnings });
}
