/**
 * @module routers/stats
 * Historical stats (ContainerService.statsHistory's rolling ring) and the host overview: host
 * CPU/memory totals plus the running containers ranked by their latest history point.
 */
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import { router, viewerProcedure } from '../trpc.js';
import { callService } from '../errors.js';

export interface TopRow { id: string; name: string; cpuPercent: number; memUsage: number; memLimit: number; netRx: number; netTx: number }

export const statsRouter = router({
  history: viewerProcedure.input(z.object({
    id: z.string().min(1).max(256), since: z.number().int().min(0).optional(), step: z.union([z.literal(1), z.literal(60)]).optional(),
  })).query(({ ctx, input }) => {
    const c = ctx.services.containers;
    if (typeof c.statsHistory !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'stats history not available' });
    const opts = { ...(input.since !== undefined ? { since: input.since } : {}), ...(input.step ? { step: input.step } : {}) };
    return callService(() => c.statsHistory!(input.id, opts));
  }),
  host: viewerProcedure.input(z.object({ top: z.number().int().min(1).max(100).default(10) }).default({ top: 10 })).query(async ({ ctx, input }) => {
    const { containers, system } = ctx.services;
    if (typeof system.hostStats !== 'function') throw new TRPCError({ code: 'PRECONDITION_FAILED', message: 'host stats not available' });
    const host = await callService(() => system.hostStats!());
    const running = (await callService(() => containers.list({ all: false }))).filter((c) => c.state.status === 'running');
    const since = Date.now() - 10_000;
    const rows: TopRow[] = [];
    if (typeof containers.statsHistory === 'function') {
      await Promise.all(running.map(async (c) => {
        const h = await containers.statsHistory!(c.id, { since, step: 1 }).catch(() => null);
        const p = h?.points.at(-1);
        if (p) rows.push({ id: c.id, name: c.name.replace(/^\//, ''), cpuPercent: p.cpuPercent, memUsage: p.memUsage, memLimit: p.memLimit, netRx: p.netRx, netTx: p.netTx });
      }));
    }
    rows.sort((a, b) => b.cpuPercent - a.cpuPercent || b.memUsage - a.memUsage);
    const containersMem = rows.reduce((n, r) => n + r.memUsage, 0);
    return { host, running: running.length, containersMem, top: rows.slice(0, input.top) };
  }),
});
