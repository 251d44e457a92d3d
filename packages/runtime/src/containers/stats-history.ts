/**
 * @module containers/stats-history
 * Rolling resource history per container for the dashboard's charts, with no Prometheus: every
 * second each running container's cgroup counters are read (a handful of small files, no spawn)
 * into a 1 h ring at 1 s resolution; every minute the last minute's points are averaged into a
 * 24 h ring at 1 min. Rings are fixed-size typed arrays, so memory per container is bounded
 * (~230 KiB) and nothing grows with uptime. Stopped containers keep their history until removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-types.js';
import { parseBlkio, parseFlatKeyed, parseNetDev, parseProcStat } from './container-stats.js';

export interface StatsPoint {
  /** unix ms */
  t: number;
  /** Docker CLI's CPU %: share of the host (100 % = one CPU fully busy). */
  cpuPercent: number;
  /** usage minus inactive file cache, as `docker stats` shows */
  memUsage: number;
  memLimit: number;
  pids: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
}

export interface StatsHistoryOptions {
  /** unix ms; default: the whole ring of the chosen step */
  since?: number;
  /** seconds per point: 1 (last hour) or 60 (last 24 h); default 1 when `since` is within the hour */
  step?: 1 | 60;
}

const FIELDS = ['cpuPercent', 'memUsage', 'memLimit', 'pids', 'netRx', 'netTx', 'blkRead', 'blkWrite'] as const;
const FINE_SLOTS = 3600;
const COARSE_SLOTS = 1440;
const CGROUP_ROOT = '/sys/fs/cgroup';

/** A fixed ring of points: one Float64Array of times, one Float32Array per field. */
export class Ring {
  private readonly times: Float64Array;
  private readonly cols: Float32Array[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
    this.cols = FIELDS.map(() => new Float32Array(capacity));
  }

  push(p: StatsPoint): void {
    this.times[this.next] = p.t;
    FIELDS.forEach((f, i) => { this.cols[i]![this.next] = p[f]; });
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Oldest first, only points at or after `since`. */
  points(since = 0): StatsPoint[] {
    const out: StatsPoint[] = [];
    for (let k = 0; k < this.count; k++) {
      const i = (this.next - this.count + k + this.capacity) % this.capacity;
      const t = this.times[i]!;
      if (t < since) continue;
      const p = { t } as StatsPoint;
      FIELDS.forEach((f, j) => { p[f] = this.cols[j]![i]!; });
      out.push(p);
    }
    return out;
  }
}

interface Series {
  fine: Ring;
  coarse: Ring;
  /** points of the current minute, averaged into `coarse` when it ends */
  minute: StatsPoint[];
  prevCpu?: { usage: number; system: number };
}

/** Mean of each field; counters (net, blkio) take the last value, since they only grow. */
export function averagePoints(ps: readonly StatsPoint[], t: number): StatsPoint {
  const last = ps[ps.length - 1]!;
  const mean = (f: (typeof FIELDS)[number]) => ps.reduce((s, p) => s + p[f], 0) / ps.length;
  return {
    t, cpuPercent: mean('cpuPercent'), memUsage: mean('memUsage'), memLimit: last.memLimit, pids: Math.round(mean('pids')),
    netRx: last.netRx, netTx: last.netTx, blkRead: last.blkRead, blkWrite: last.blkWrite,
  };
}

async function text(file: string): Promise<string> {
  try { return await fs.readFile(file, 'utf8'); } catch { return ''; }
}

export class StatsHistory {
  private readonly series = new Map<string, Series>();
  /** id → cgroup path for one run (generation): config.json is read once per run, not per second. */
  private readonly cgPaths = new Map<string, { generation: number; path: string }>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private minuteStart = 0;

  constructor(private readonly ctx: ContainerContext, private readonly intervalMs = 1000) {}

  start(signal: AbortSignal): void {
    if (this.timer) return;
    this.minuteStart = Date.now();
    this.timer = setInterval(() => { void this.tick(); }, this.intervalMs);
    this.timer.unref();
    signal.addEventListener('abort', () => { clearInterval(this.timer); this.timer = undefined; }, { once: true });
  }

  /** History of one container (empty when it never ran while the daemon was up). */
  history(id: string, opts: StatsHistoryOptions = {}): { step: 1 | 60; points: StatsPoint[] } {
    const s = this.series.get(id);
    const step = opts.step ?? (opts.since === undefined || Date.now() - opts.since <= FINE_SLOTS * 1000 ? 1 : 60);
    if (!s) return { step, points: [] };
    return { step, points: (step === 1 ? s.fine : s.coarse).points(opts.since ?? 0) };
  }

  /** One sampling round; skipped when the previous one is still reading (slow disk, many containers). */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const recs = this.ctx.deps.repo.all();
      const ids = new Set(recs.map((r) => r.id));
      for (const id of this.series.keys()) if (!ids.has(id)) this.series.delete(id);
      for (const id of this.cgPaths.keys()) if (!ids.has(id)) this.cgPaths.delete(id);
      const running = recs.filter((r) => r.state.status === 'running' && r.state.pid > 0);
      if (!running.length) return;
      const sys = parseProcStat(await text('/proc/stat'));
      const flush = now - this.minuteStart >= 60_000;
      await Promise.all(running.map((r) => this.sample(r, sys, now)));
      if (flush) {
        this.minuteStart = now;
        for (const s of this.series.values()) {
          if (s.minute.length) s.coarse.push(averagePoints(s.minute, now));
          s.minute = [];
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async sample(rec: ContainerRecord, sys: { systemCpuUsage: number; onlineCpus: number }, now: number): Promise<void> {
    let cached = this.cgPaths.get(rec.id);
    if (cached?.generation !== rec.generation) {
      cached = { generation: rec.generation, path: await this.ctx.runningCgroupsPath(rec.id) };
      this.cgPaths.set(rec.id, cached);
    }
    const cgPath = cached.path;
    const cg = (ctrl: string, file: string) => path.join(CGROUP_ROOT, ctrl, cgPath, file);
    const [usage, memUsage, memLimit, memStat, pids, blkio, netDev] = await Promise.all([
      text(cg('cpuacct', 'cpuacct.usage')), text(cg('memory', 'memory.usage_in_bytes')), text(cg('memory', 'memory.limit_in_bytes')),
      text(cg('memory', 'memory.stat')), text(cg('pids', 'pids.current')), text(cg('blkio', 'blkio.throttle.io_service_bytes_recursive')),
      text(`/proc/${rec.state.pid}/net/dev`),
    ]);
    if (!usage) return;
    let s = this.series.get(rec.id);
    if (!s) this.series.set(rec.id, (s = { fine: new Ring(FINE_SLOTS), coarse: new Ring(COARSE_SLOTS), minute: [] }));
    const cpu = { usage: Number(usage.trim()) || 0, system: sys.systemCpuUsage };
    let cpuPercent = 0;
    if (s.prevCpu) {
      const dCpu = cpu.usage - s.prevCpu.usage;
      const dSys = cpu.system - s.prevCpu.system;
      if (dCpu > 0 && dSys > 0) cpuPercent = (dCpu / dSys) * sys.onlineCpus * 100;
    }
    s.prevCpu = cpu;
    const stat = parseFlatKeyed(memStat);
    const used = Number(memUsage.trim()) || 0;
    const nets = Object.values(parseNetDev(netDev));
    const io = parseBlkio(blkio);
    const p: StatsPoint = {
      t: now, cpuPercent,
      memUsage: Math.max(0, used - (stat.total_inactive_file ?? stat.inactive_file ?? 0)),
      memLimit: Number(memLimit.trim()) || 0,
      pids: Number(pids.trim()) || 0,
      netRx: nets.reduce((a, n) => a + n.rxBytes, 0),
      netTx: nets.reduce((a, n) => a + n.txBytes, 0),
      blkRead: io.filter((e) => e.op === 'Read').reduce((a, e) => a + e.value, 0),
      blkWrite: io.filter((e) => e.op === 'Write').reduce((a, e) => a + e.value, 0),
    };
    s.fine.push(p);
    s.minute.push(p);
  }
}
