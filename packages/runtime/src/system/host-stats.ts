/**
 * @module system/host-stats
 * Host totals for the dashboard's stats overview (Berth extension): CPU use over a short window
 * from /proc/stat (the delta of two samples: the first call waits `windowMs`, later calls use the
 * previous call's sample when it is recent), memory from /proc/meminfo, load from /proc/loadavg.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';

export interface HostStats {
  /** unix ms */
  t: number;
  ncpu: number;
  /** 100 % = every CPU busy. */
  cpuPercent: number;
  memTotal: number;
  /** MemTotal - MemAvailable, as `free` reports "used". */
  memUsed: number;
  memAvailable: number;
  load: [number, number, number];
}

interface CpuSample { t: number; busy: number; total: number }

/** Aggregate `cpu` line of /proc/stat → busy and total jiffies (iowait counts as idle). */
export function parseProcStat(text: string): { busy: number; total: number } {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return { busy: 0, total: 0 };
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is already in user)
  const total = v.slice(0, 8).reduce((a, b) => a + (b || 0), 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function parseMeminfo(text: string): { total: number; available: number } {
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { total: kb('MemTotal'), available: kb('MemAvailable') };
}

export function createHostStats(opts: { proc?: string; windowMs?: number; now?: () => number; read?: (file: string) => Promise<string> } = {}): () => Promise<HostStats> {
  const proc = opts.proc ?? '/proc';
  const windowMs = opts.windowMs ?? 250;
  const now = opts.now ?? Date.now;
  const read = opts.read ?? ((f: string) => fs.readFile(f, 'utf8'));
  let last: CpuSample | undefined;
  const sample = async (): Promise<CpuSample> => ({ t: now(), ...parseProcStat(await read(`${proc}/stat`)) });
  return async () => {
    let prev = last;
    if (!prev || now() - prev.t > 60_000) {
      prev = await sample();
      await new Promise((r) => setTimeout(r, windowMs));
    }
    const cur = await sample();
    // Two callers within one tick see the same sample: keep the older one as the base then.
    if (cur.total > prev.total) last = cur;
    const dt = cur.total - prev.total;
    const cpuPercent = dt > 0 ? Math.round(((cur.busy - prev.busy) / dt) * 10000) / 100 : 0;
    const mem = parseMeminfo(await read(`${proc}/meminfo`));
    const la = (await read(`${proc}/loadavg`).catch(() => '0 0 0')).split(' ').slice(0, 3).map(Number);
    return {
      t: cur.t, ncpu: os.cpus().length || 1, cpuPercent, memTotal: mem.total, memUsed: mem.total - mem.available, memAvailable: mem.available,
      load: [la[0] ?? 0, la[1] ?? 0, la[2] ?? 0],
    };
  };
}
