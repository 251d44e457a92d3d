/**
 * @module routers/containers
 * Container procedures; each calls the same EngineServices method the Docker API route calls.
 * Reads are viewer procedures, changes admin procedures. `watch` and `stats` are the live list's
 * feeds (events, not polling of the list).
 */
import { z } from 'zod';
import type { ContainerCreateSpec, ContainerStats } from '@berth/runtime';
import { adminProcedure, router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';
import { containerDetail, containerRow, eventRow } from '../mappers.js';

const Id = z.string().min(1).max(256);
const Ref = z.object({ id: Id });
const STATS_MS = 2000;

export const RunInput = z.object({
  image: z.string().min(1).max(512),
  cmd: z.array(z.string().max(4096)).max(256).optional(),
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/).max(128).optional(),
  env: z.array(z.string().regex(/^[^=]+=/, 'env entries are KEY=value').max(8192)).max(256).optional(),
  ports: z.array(z.object({
    host: z.number().int().min(1).max(65535).optional(),
    container: z.number().int().min(1).max(65535),
    proto: z.enum(['tcp', 'udp']).default('tcp'),
  })).max(64).optional(),
  volumes: z.array(z.object({ source: z.string().min(1).max(4096), target: z.string().startsWith('/').max(4096), readOnly: z.boolean().optional() })).max(64).optional(),
  tty: z.boolean().optional(),
});

/** The run dialog → the same create spec the Docker API builds from `docker run`'s JSON. */
export function runSpec(input: z.infer<typeof RunInput>): ContainerCreateSpec {
  const exposedPorts: Record<string, Record<string, never>> = {};
  const portBindings: Record<string, { hostIp: string; hostPort: string }[]> = {};
  for (const p of input.ports ?? []) {
    const key = `${p.container}/${p.proto}`;
    exposedPorts[key] = {};
    (portBindings[key] ??= []).push({ hostIp: '', hostPort: p.host ? String(p.host) : '' });
  }
  // A source that is not a path is a named volume, as in `-v name:/target`.
  const binds = (input.volumes ?? []).map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`);
  const tty = input.tty ?? false;
  const spec: ContainerCreateSpec = {
    config: {
      image: input.image, tty, openStdin: tty, attachStdin: false, attachStdout: true, attachStderr: true,
      exposedPorts, env: input.env ?? [],
      ...(input.cmd && input.cmd.length ? { cmd: input.cmd } : {}),
    },
    hostConfig: { portBindings, binds },
  };
  if (input.name) spec.name = input.name;
  return spec;
}

export interface StatRow { id: string; name: string; cpuPercent: number; memUsage: number; memLimit: number; pids: number }

/** docker CLI's calculateCPUPercentUnix + memory minus inactive file cache. */
export function statRow(s: ContainerStats, prev: ContainerStats | undefined): StatRow {
  let cpuPercent = 0;
  if (prev) {
    const cpuDelta = s.cpu.totalUsage - prev.cpu.totalUsage;
    const sysDelta = s.cpu.systemCpuUsage - prev.cpu.systemCpuUsage;
    const cpus = s.cpu.onlineCpus || s.cpu.percpuUsage.length || 1;
    if (cpuDelta > 0 && sysDelta > 0) cpuPercent = (cpuDelta / sysDelta) * cpus * 100;
  }
  const st = s.memory.stats;
  const cache = st.total_inactive_file ?? st.inactive_file ?? 0;
  return { id: s.id, name: s.name.replace(/^\//, ''), cpuPercent: Math.round(cpuPercent * 100) / 100,
    memUsage: Math.max(0, s.memory.usage - cache), memLimit: s.memory.limit, pids: s.pids.current };
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((res) => {
  const t = setTimeout(res, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); res(); }, { once: true });
});

export const containersRouter = router({
  list: viewerProcedure.input(z.object({ all: z.boolean().default(true) }).default({ all: true }))
    .query(async ({ ctx, input }) => (await callService(() => ctx.services.containers.list({ all: input.all }))).map((r) => containerRow(r))),
  inspect: viewerProcedure.input(Ref).query(async ({ ctx, input }) => containerDetail(await callService(() => ctx.services.containers.inspect(input.id)))),
  top: viewerProcedure.input(Ref).query(({ ctx, input }) => callService(() => ctx.services.containers.top(input.id))),

  watch: viewerProcedure.subscription(async function* ({ ctx, signal }) {
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    try {
      for await (const e of ctx.services.events.subscribe({ filters: { type: ['container'] }, signal: ac.signal })) {
        yield { type: 'event' as const, event: eventRow(e) };
      }
    } finally { ac.abort(); }
  }),

  stats: viewerProcedure.subscription(async function* ({ ctx, signal }) {
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort(), { once: true });
    const prev = new Map<string, ContainerStats>();
    try {
      while (!ac.signal.aborted) {
        const running = (await ctx.services.containers.list({ all: false })).filter((c) => c.state.status === 'running');
        const rows: StatRow[] = [];
        const seen = new Map<string, ContainerStats>();
        await Promise.all(running.map(async (c) => {
          try {
            for await (const s of await ctx.services.containers.stats(c.id, { stream: false, oneShot: true, signal: ac.signal })) {
              rows.push(statRow(s, prev.get(c.id)));
              seen.set(c.id, s);
              break;
            }
          } catch { /* the container stopped between list and read */ }
        }));
        prev.clear();
        for (const [k, v] of seen) prev.set(k, v);
        yield rows.sort((a, b) => a.name.localeCompare(b.name));
        await sleep(STATS_MS, ac.signal);
      }
    } finally { ac.abort(); }
  }),

  start: adminProcedure.input(Ref).mutation(({ ctx, input }) => callService(() => ctx.services.containers.start(input.id))),
  stop: adminProcedure.input(Ref.extend({ timeoutSec: z.number().int().min(0).max(3600).optional() }))
    .mutation(({ ctx, input }) => callService(() => ctx.services.containers.stop(input.id, input.timeoutSec === undefined ? {} : { timeoutSec: input.timeoutSec }))),
  restart: adminProcedure.input(Ref).mutation(async ({ ctx, input }) => { await callService(() => ctx.services.containers.restart(input.id)); return { ok: true }; }),
  kill: adminProcedure.input(Ref.extend({ signal: z.string().regex(/^[A-Z0-9+]{1,16}$/).optional() }))
    .mutation(async ({ ctx, input }) => { await callService(() => ctx.services.containers.kill(input.id, input.signal)); return { ok: true }; }),
  pause: adminProcedure.input(Ref).mutation(async ({ ctx, input }) => { await callService(() => ctx.services.containers.pause(input.id)); return { ok: true }; }),
  unpause: adminProcedure.input(Ref).mutation(async ({ ctx, input }) => { await callService(() => ctx.services.containers.unpause(input.id)); return { ok: true }; }),
  remove: adminProcedure.input(Ref.extend({ force: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => { await callService(() => ctx.services.containers.remove(input.id, { force: input.force })); return { ok: true }; }),
  run: adminProcedure.input(RunInput).mutation(async ({ ctx, input }) => {
    const { id, warnings } = await callService(() => ctx.services.containers.create(runSpec(input)));
    await callService(() => ctx.services.containers.start(id));
    return { id, warnings };
  }),
});
