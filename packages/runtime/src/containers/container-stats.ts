/**
 * @module containers/container-stats
 * `docker stats` samples for cgroup v1 hosts. A sample is one reading of the container's cgroup
 * files (cpuacct, cpu, memory, pids, blkio), the host's /proc/stat (system CPU time, online CPUs)
 * and the container's netns counters (/proc/<init pid>/net/dev — no spawn needed). The CLI
 * computes CPU % from the delta between `precpu` and `cpu`, so every sample carries the previous
 * reading: a stream's first sample has a zero `precpu` (like moby), a non-streamed sample takes
 * two readings ~1 s apart unless `oneShot` is set. Stopped containers yield one zeroed sample.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord } from './container-types.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** USER_HZ is 100 on every Linux ABI Node runs on; /proc/stat and cpuacct.stat count in it. */
const NS_PER_TICK = 1e9 / 100;
const INTERVAL_MS = 1000;

export interface CpuReading {
  totalUsage: number;
  percpuUsage: number[];
  usageInKernelmode: number;
  usageInUsermode: number;
  systemCpuUsage: number;
  onlineCpus: number;
  throttling: { periods: number; throttledPeriods: number; throttledTime: number };
}

export interface NetworkStats {
  rxBytes: number; rxPackets: number; rxErrors: number; rxDropped: number;
  txBytes: number; txPackets: number; txErrors: number; txDropped: number;
}

export interface BlkioEntry { major: number; minor: number; op: string; value: number }

export interface ContainerStats {
  id: string;
  name: string;
  /** RFC 3339; `preread` is the zero time when there is no previous reading. */
  read: string;
  preread: string;
  pids: { current: number; limit?: number };
  blkio: { ioServiceBytesRecursive: BlkioEntry[] };
  cpu: CpuReading;
  precpu: CpuReading;
  memory: { usage: number; maxUsage?: number; limit: number; stats: Record<string, number> };
  networks: Record<string, NetworkStats>;
}

export interface StatsOptions { stream: boolean; oneShot?: boolean; signal?: AbortSignal }

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function zeroCpu(): CpuReading {
  return { totalUsage: 0, percpuUsage: [], usageInKernelmode: 0, usageInUsermode: 0, systemCpuUsage: 0, onlineCpus: 0,
    throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } };
}

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat). */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** cpuacct.usage_percpu: space-separated ns counters, one per possible CPU. */
export function parsePercpu(text: string): number[] {
  return text.trim().split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
}

/** /proc/stat: the aggregate `cpu` line summed (ticks → ns) and the number of `cpuN` lines. */
export function parseProcStat(text: string): { systemCpuUsage: number; onlineCpus: number } {
  let systemCpuUsage = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'cpu') {
      // moby sums the first 7 fields (user…softirq plus steal); guest time is already inside user.
      systemCpuUsage = fields.slice(1, 8).reduce((s, f) => s + (Number(f) || 0), 0) * NS_PER_TICK;
    } else if (/^cpu\d+$/.test(fields[0] ?? '')) {
      onlineCpus++;
    }
  }
  return { systemCpuUsage, onlineCpus };
}

/** blkio.throttle.io_service_bytes_recursive: `MAJ:MIN Op value` lines; the `Total` line is dropped. */
export function parseBlkio(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** /proc/<pid>/net/dev: two header lines, then `iface: rx(8 fields) tx(8 fields)`; loopback skipped. */
export function parseNetDev(text: string): Record<string, NetworkStats> {
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n')) {
    const idx = line.indexOf(':');
    if (idx < 0) continue;
    const name = line.slice(0, idx).trim();
    const f = line.slice(idx + 1).trim().split(/\s+/).map(Number);
    if (!name || name === 'lo' || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out[name] = {
      rxBytes: f[0]!, rxPackets: f[1]!, rxErrors: f[2]!, rxDropped: f[3]!,
      txBytes: f[8]!, txPackets: f[9]!, txErrors: f[10]!, txDropped: f[11]!,
    };
  }
  return out;
}

async function readText(file: string): Promise<string> {
  try { return await fs.readFile(file, 'utf8'); } catch { return ''; }
}

async function readNum(file: string): Promise<number | undefined> {
  const t = (await readText(file)).trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}


type Reading = Omit<ContainerStats, 'precpu' | 'preread'>;

/** One reading of a live container; files that vanished (it just stopped) read as zero. */
export async function readSample(rec: ContainerRecord, cgroupsPath: string): Promise<Reading> {
  const cg = (ctrl: string, file: string) => path.join(CGROUP_ROOT, ctrl, cgroupsPath, file);
  const [usage, percpu, cpuacctStat, cpuStat, memUsage, memMax, memLimit, memStat, pidsCur, pidsMax, blkio, procStat, netDev] =
    await Promise.all([
      readNum(cg('cpuacct', 'cpuacct.usage')), readText(cg('cpuacct', 'cpuacct.usage_percpu')),
      readText(cg('cpuacct', 'cpuacct.stat')), readText(cg('cpu', 'cpu.stat')),
      readNum(cg('memory', 'memory.usage_in_bytes')), readNum(cg('memory', 'memory.max_usage_in_bytes')),
      readNum(cg('memory', 'memory.limit_in_bytes')), readText(cg('memory', 'memory.stat')),
      readNum(cg('pids', 'pids.current')), readText(cg('pids', 'pids.max')),
      readText(cg('blkio', 'blkio.throttle.io_service_bytes_recursive')), readText('/proc/stat'),
      rec.state.pid > 0 ? readText(`/proc/${rec.state.pid}/net/dev`) : Promise.resolve(''),
    ]);
  const acct = parseFlatKeyed(cpuacctStat);
  const thr = parseFlatKeyed(cpuStat);
  const sys = parseProcStat(procStat);
  const pidsLimit = /^\d+$/.test(pidsMax.trim()) ? Number(pidsMax.trim()) : undefined;
  // An unlimited v1 cgroup reports ~2^63; like moby's CLI view, show the host's memory instead.
  const hostMem = os.totalmem();
  const limit = memLimit === undefined || memLimit > hostMem ? hostMem : memLimit;
  return {
    id: rec.id,
    name: rec.name,
    read: new Date().toISOString(),
    pids: pidsLimit === undefined ? { current: pidsCur ?? 0 } : { current: pidsCur ?? 0, limit: pidsLimit },
    blkio: { ioServiceBytesRecursive: parseBlkio(blkio) },
    cpu: {
      totalUsage: usage ?? 0,
      percpuUsage: parsePercpu(percpu),
      usageInKernelmode: (acct.system ?? 0) * NS_PER_TICK,
      usageInUsermode: (acct.user ?? 0) * NS_PER_TICK,
      systemCpuUsage: sys.systemCpuUsage,
      onlineCpus: sys.onlineCpus,
      throttling: { periods: thr.nr_periods ?? 0, throttledPeriods: thr.nr_throttled ?? 0, throttledTime: thr.throttled_time ?? 0 },
    },
    memory: { usage: memUsage ?? 0, ...(memMax === undefined ? {} : { maxUsage: memMax }), limit, stats: parseFlatKeyed(memStat) },
    networks: parseNetDev(netDev),
  };
}

/** moby's zero sample for a container that is not running: only the name and id are set. */
export function zeroSample(rec: ContainerRecord): ContainerStats {
  return {
    id: rec.id, name: rec.name, read: ZERO_TIME, preread: ZERO_TIME, pids: { current: 0 },
    blkio: { ioServiceBytesRecursive: [] }, cpu: zeroCpu(), precpu: zeroCpu(),
    memory: { usage: 0, limit: 0, stats: {} }, networks: {},
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const isLive = (rec: ContainerRecord) => ['running', 'paused', 'stopping'].includes(rec.state.status) && rec.state.pid > 0;

/** Resolves (404 stays a clean status) before any sample is read. */
export async function statsContainer(ctx: ContainerContext, ref: string, opts: StatsOptions): Promise<AsyncIterable<ContainerStats>> {
  const rec = ctx.resolve(ref);
  const id = rec.id;
  if (!isLive(rec)) return (async function* () { yield zeroSample(rec); })();
  const cgroupsPath = await ctx.runningCgroupsPath(id);
  const current = (): ContainerRecord | undefined => {
    try { return ctx.resolve(id); } catch { return undefined; }
  };
  return (async function* () {
    let prev: Reading | undefined;
    if (!opts.stream && !opts.oneShot) {
      prev = await readSample(rec, cgroupsPath);
      await sleep(INTERVAL_MS, opts.signal);
    }
    for (;;) {
      if (opts.signal?.aborted) return;
      const now = current();
      if (!now || !isLive(now)) {
        if (!opts.stream) yield zeroSample(rec);
        return;
      }
      const r = await readSample(now, cgroupsPath);
      yield { ...r, preread: prev?.read ?? ZERO_TIME, precpu: prev?.cpu ?? zeroCpu() };
      if (!opts.stream) return;
      prev = r;
      await sleep(INTERVAL_MS, opts.signal);
    }
  })();
}
