/**
 * @module containers/limits
 * Resource limits and security options of a container: Docker's validation (moby
 * daemon/daemon_unix.go verifyPlatformContainerResources, oci/caps, go-units ulimits,
 * parseSecurityOpt — same rules, same messages) and their OCI form (linux.resources, rlimits,
 * device nodes). The same resources object is what `runc update` gets for `docker update`.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeviceMapping, HostConfig, Ulimit } from './container-types.js';
import type { OciSpec } from '../oci/runtime-spec.js';
import { errors } from '../errors/engine-error.js';
import { ALL_CAPABILITIES } from './oci-spec.js';
import { parseSeccompProfile } from './seccomp-render.js';

export const DEFAULT_PIDS_LIMIT_FALLBACK = 2048;
const MIN_MEMORY = 6 * 1024 * 1024;
export const DEFAULT_CPU_PERIOD = 100_000;

export type Resources = OciSpec['linux']['resources'];
type Limits = Pick<HostConfig, 'memory' | 'memorySwap' | 'nanoCpus' | 'cpuShares'> & Partial<Pick<HostConfig,
  'cpuQuota' | 'cpuPeriod' | 'cpusetCpus' | 'cpusetMems' | 'memoryReservation' | 'blkioWeight' | 'pidsLimit'>>;

/** "0-2,4" → [0,1,2,4]; moby parsers.ParseUintList's message on bad input. */
export function parseCpuList(v: string): number[] {
  const out = new Set<number>();
  if (v.trim() === '') return [];
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid format: ${v}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`invalid format: ${v}`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

function readCgroupList(file: string, fallback: string): string {
  try { return readFileSync(path.join('/sys/fs/cgroup/cpuset', file), 'utf8').trim() || fallback; } catch { return fallback; }
}

export interface HostFacts { ncpu: number; cpus: string; mems: string }
export const hostFacts = (): HostFacts => {
  const ncpu = os.cpus().length;
  return { ncpu, cpus: readCgroupList('cpuset.cpus', `0-${ncpu - 1}`), mems: readCgroupList('cpuset.mems', '0') };
};

/** Docker's resource checks; `update` relaxes the "memory with swap" rule as moby does. */
export function validateResources(r: Partial<Limits>, opts: { update?: boolean; host?: HostFacts } = {}): void {
  const host = opts.host ?? hostFacts();
  const mem = r.memory ?? 0;
  const swap = r.memorySwap ?? 0;
  const res = r.memoryReservation ?? 0;
  if (mem < 0) throw errors.invalid(`invalid memory limit: ${mem}`);
  if (mem !== 0 && mem < MIN_MEMORY) throw errors.invalid('Minimum memory limit allowed is 6MB');
  if (swap < -1) throw errors.invalid(`invalid memory swap limit: ${swap}`);
  if (mem > 0 && swap > 0 && swap < mem) throw errors.invalid('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (mem === 0 && swap > 0 && !opts.update) throw errors.invalid('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (res < 0) throw errors.invalid(`invalid memory reservation: ${res}`);
  if (res > 0 && res < MIN_MEMORY) throw errors.invalid('Minimum memory reservation allowed is 6MB');
  if (mem > 0 && res > 0 && mem < res) throw errors.invalid('Minimum memory limit can not be less than memory reservation limit, see usage');
  const nano = r.nanoCpus ?? 0;
  const period = r.cpuPeriod ?? 0;
  const quota = r.cpuQuota ?? 0;
  if (nano > 0 && period > 0) throw errors.invalid('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && quota > 0) throw errors.invalid('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.ncpu * 1e9) {
    throw errors.invalid(`Range of CPUs is from 0.01 to ${host.ncpu}.00, as there are only ${host.ncpu} CPUs available`);
  }
  if ((r.cpuShares ?? 0) < 0) throw errors.invalid(`invalid CPU shares: ${r.cpuShares}`);
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw errors.invalid('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (quota > 0 && quota < 1000) throw errors.invalid('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  checkSet(r.cpusetCpus, host.cpus, 'cpus', 'Requested CPUs are not available');
  checkSet(r.cpusetMems, host.mems, 'mems', 'Requested memory nodes are not available');
  const bw = r.blkioWeight ?? 0;
  if (bw !== 0 && (bw < 10 || bw > 1000)) throw errors.invalid('Range of blkio weight is from 10 to 1000');
}

function checkSet(requested: string | undefined, available: string, what: string, notAvail: string): void {
  if (!requested) return;
  let want: number[];
  try {
    want = parseCpuList(requested);
  } catch (err) {
    throw errors.invalid(`Invalid value ${requested} for cpuset ${what}: ${(err as Error).message}`);
  }
  const have = new Set(parseCpuList(available));
  if (want.some((c) => !have.has(c))) throw errors.invalid(`${notAvail} - requested ${requested}, available: ${available}`);
}

/** The effective swap (moby stores Memory*2 when only -m is given; -1 = unlimited). */
export function effectiveSwap(memory: number, memorySwap: number): number | undefined {
  if (memory <= 0) return undefined;
  if (memorySwap === -1) return -1;
  return memorySwap > 0 ? memorySwap : memory * 2;
}

/** linux.resources without devices: what both the spec and `runc update` carry. */
export function resourcesOf(hc: Limits, defaultPidsLimit: number): Omit<Resources, 'devices'> {
  const out: Omit<Resources, 'devices'> = {};
  const pids = hc.pidsLimit && hc.pidsLimit > 0 ? hc.pidsLimit : defaultPidsLimit;
  if (pids > 0) out.pids = { limit: pids };
  const memory: NonNullable<Resources['memory']> = {};
  if (hc.memory > 0) { memory.limit = hc.memory; memory.swap = effectiveSwap(hc.memory, hc.memorySwap)!; }
  if ((hc.memoryReservation ?? 0) > 0) memory.reservation = hc.memoryReservation!;
  if (Object.keys(memory).length) out.memory = memory;
  const cpu: NonNullable<Resources['cpu']> = {};
  if (hc.cpuShares > 0) cpu.shares = hc.cpuShares;
  if (hc.nanoCpus > 0) {
    cpu.period = DEFAULT_CPU_PERIOD;
    cpu.quota = Math.round((hc.nanoCpus / 1e9) * DEFAULT_CPU_PERIOD);
  } else {
    if ((hc.cpuPeriod ?? 0) > 0) cpu.period = hc.cpuPeriod!;
    if ((hc.cpuQuota ?? 0) !== 0) cpu.quota = hc.cpuQuota!;
  }
  if (hc.cpusetCpus) cpu.cpus = hc.cpusetCpus;
  if (hc.cpusetMems) cpu.mems = hc.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if ((hc.blkioWeight ?? 0) > 0) out.blockIO = { weight: hc.blkioWeight! };
  return out;
}

/** go-units ulimit names. */
const ULIMIT_NAMES = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);
const UNLIMITED = 2 ** 64 - 1;

export function validateUlimits(ulimits: readonly Ulimit[]): void {
  for (const u of ulimits) {
    if (!ULIMIT_NAMES.has(u.name)) throw errors.invalid(`invalid ulimit type: ${u.name}`);
    for (const v of [u.soft, u.hard]) {
      if (!Number.isInteger(v) || v < -1) throw errors.invalid(`invalid ulimit argument: ${u.name}=${u.soft}:${u.hard}`);
    }
    const soft = u.soft === -1 ? UNLIMITED : u.soft;
    const hard = u.hard === -1 ? UNLIMITED : u.hard;
    if (soft > hard) throw errors.invalid(`ulimit soft limit must be less than or equal to hard limit: ${u.soft} > ${u.hard}`);
  }
}

/** moby WithRlimits: RLIMIT_<NAME>; -1 is "unlimited". */
export function rlimitsOf(ulimits: readonly Ulimit[] | undefined): OciSpec['process']['rlimits'] {
  return (ulimits ?? []).map((u) => ({
    type: `RLIMIT_${u.name.toUpperCase()}`,
    soft: u.soft === -1 ? UNLIMITED : u.soft,
    hard: u.hard === -1 ? UNLIMITED : u.hard,
  }));
}

/** moby caps.NormalizeLegacyCapabilities: "ALL", or a known cap with or without CAP_. */
export function normalizeCapabilities(caps: readonly string[]): string[] {
  return caps.map((c) => {
    const u = c.toUpperCase();
    if (u === 'ALL') return 'ALL';
    const name = u.startsWith('CAP_') ? u : `CAP_${u}`;
    if (!ALL_CAPABILITIES.includes(name)) throw errors.invalid(`unknown capability: "${name}"`);
    return name;
  });
}

/** moby daemon/create.go parseSecurityOpt (plus label/apparmor accepted as no-ops: neither LSM runs here). */
export function validateSecurityOpts(opts: readonly string[]): void {
  for (const opt of opts) {
    if (opt === 'no-new-privileges' || opt === 'disable') continue;
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw errors.invalid(`invalid --security-opt 1: "${opt}"`);
    const i = opt.indexOf(sep);
    const k = opt.slice(0, i);
    const v = opt.slice(i + 1);
    switch (k) {
      case 'label': case 'apparmor': continue;
      case 'seccomp':
        if (v !== 'unconfined' && v !== 'default' && v !== 'builtin' && v !== '') parseSeccompProfile(v);
        continue;
      case 'no-new-privileges':
        if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(v)) throw errors.invalid(`invalid --security-opt 2: "${opt}"`);
        continue;
      default:
        throw errors.invalid(`invalid --security-opt 2: "${opt}"`);
    }
  }
}

/** Docker defaults to no-new-privileges off; Berth defaults it on, so only an explicit false turns it off. */
export function noNewPrivileges(opts: readonly string[]): boolean {
  let v = true;
  for (const o of opts) {
    const m = /^no-new-privileges(?:[=:](.*))?$/.exec(o);
    if (m) v = m[1] === undefined || /^(1|t|T|TRUE|true|True)$/.test(m[1]);
  }
  return v;
}

export function validateDevices(devices: readonly DeviceMapping[]): void {
  for (const d of devices) {
    if (!/^(?!.*(.).*\1)[rwm]{1,3}$/.test(d.cgroupPermissions)) throw errors.invalid(`invalid device mode: ${d.cgroupPermissions}`);
    if (!path.isAbsolute(d.pathInContainer)) throw errors.invalid(`${d.pathInContainer} is not an absolute path`);
    deviceNodes([d]);
  }
}

type DeviceNode = NonNullable<OciSpec['linux']['devices']>[number];

/** moby oci.DevicesFromPath: one node (or every node under a directory) plus its cgroup allow rule. */
export function deviceNodes(devices: readonly DeviceMapping[]): { nodes: DeviceNode[]; rules: Resources['devices'] } {
  const nodes: DeviceNode[] = [];
  const rules: Resources['devices'] = [];
  const add = (host: string, inCtr: string, perms: string, top: boolean): void => {
    let st;
    try {
      st = statSync(host);
    } catch (err) {
      throw errors.invalid(`error gathering device information while adding custom device "${host}": ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    if (st.isDirectory() && top) {
      for (const e of readdirSync(host)) add(path.join(host, e), path.join(inCtr, e), perms, false);
      return;
    }
    const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : '';
    if (!type) {
      if (top) throw errors.invalid(`error gathering device information while adding custom device "${host}": not a device node`);
      return;
    }
    const rdev = st.rdev;
    const major = ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
    const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
    nodes.push({ path: inCtr, type, major, minor, fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
    rules.push({ allow: true, type, major, minor, access: perms });
  };
  for (const d of devices) add(d.pathOnHost, d.pathInContainer || d.pathOnHost, d.cgroupPermissions || 'rwm', true);
  return { nodes, rules };
}

/** Every create-time check of this module, in Docker's order (resources first). */
export function validateHostConfig(hc: HostConfig, host?: HostFacts): void {
  validateResources(hc, host ? { host } : {});
  validateUlimits(hc.ulimits ?? []);
  normalizeCapabilities(hc.capAdd);
  normalizeCapabilities(hc.capDrop);
  validateSecurityOpts(hc.securityOpt);
  validateDevices(hc.devices ?? []);
}

/** moby's "discard with a warning" cases: a limit this kernel cannot apply is dropped, not failed. */
export function discardUnsupported(hc: HostConfig, has = (f: string) => existsSync(f)): string[] {
  const warnings: string[] = [];
  if ((hc.blkioWeight ?? 0) > 0 && !has('/sys/fs/cgroup/blkio/blkio.weight') && !has('/sys/fs/cgroup/blkio/blkio.bfq.weight')) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    delete hc.blkioWeight;
  }
  return warnings;
}
