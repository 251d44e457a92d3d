/**
 * @module containers/oci-spec
 * Pure generation of a container's OCI runtime config from its record and resolved facts.
 * Defaults follow moby's oci/defaults.go (capabilities, masked paths, devices), plus two things
 * Docker leaves off: no-new-privileges and a pids limit (Podman's 2048).
 */
import { readFileSync } from 'node:fs';
import type { ContainerRecord } from './container-types.js';
import type { OciMount, OciSpec, OciUser } from '../oci/runtime-spec.js';
import { ociMounts } from './container-mounts.js';
import { deviceNodes, noNewPrivileges, resourcesOf, rlimitsOf } from './limits.js';
import { containerSeccomp } from './seccomp-render.js';

/** Docker's 14 default capabilities (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
] as const;

export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const DEFAULT_PIDS_LIMIT = 2048;
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SpecInputs {
  record: ContainerRecord;
  rootfsPath: string;
  user: OciUser;
  cwd: string;
  cgroupsPath: string;
  /** netns to join; null = share the host's; undefined = a new empty one */
  netnsPath: string | null | undefined;
  /** Files bind-mounted over /etc/{hostname,hosts,resolv.conf}. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  defaultPidsLimit?: number;
}

export function containerEnv(record: ContainerRecord): string[] {
  const env = [...record.config.env];
  const has = (k: string) => env.some((e) => e === k || e.startsWith(`${k}=`));
  if (!has('PATH')) env.unshift(`PATH=${DEFAULT_PATH}`);
  if (!has('HOSTNAME')) env.unshift(`HOSTNAME=${record.config.hostname}`);
  if (record.config.tty && !has('TERM')) env.push('TERM=xterm');
  return env;
}

export function effectiveCapabilities(capAdd: readonly string[], capDrop: readonly string[], privileged: boolean): string[] {
  const norm = (c: string) => (c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);
  if (privileged) return grantableCapabilities();
  const add = capAdd.map(norm);
  const drop = new Set(capDrop.map(norm));
  // moby caps.TweakCapabilities: add ALL wins (minus drops); drop ALL keeps only the adds.
  if (add.includes('CAP_ALL')) return grantableCapabilities().filter((c) => !drop.has(c));
  const caps: string[] = drop.has('CAP_ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.has(c));
  for (const c of add) if (!caps.includes(c)) caps.push(c);
  return caps;
}

let grantable: string[] | undefined;

/**
 * "ALL" as this daemon can grant it: the known caps within its own bounding set (runc fails the
 * whole start on a cap the daemon lacks, e.g. CAP_SYS_RESOURCE inside some sandboxes).
 */
export function grantableCapabilities(): string[] {
  if (!grantable) {
    let bnd = -1n;
    try {
      const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) bnd = BigInt(`0x${m[1]}`);
    } catch { /* not Linux: keep all */ }
    grantable = ALL_CAPABILITIES.filter((c) => bnd === -1n || ((bnd >> BigInt(CAP_NUMBERS[c] ?? 0)) & 1n) === 1n);
  }
  return [...grantable];
}

export function buildOciSpec(inp: SpecInputs): OciSpec {
  const { record } = inp;
  const hc = record.hostConfig;
  const caps = effectiveCapabilities(hc.capAdd, hc.capDrop, hc.privileged);
  const [h, w] = hc.consoleSize;
  const namespaces: { type: string; path?: string }[] = [
    { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' },
  ];
  if (inp.netnsPath !== null) namespaces.push(inp.netnsPath ? { type: 'network', path: inp.netnsPath } : { type: 'network' });
  const devs = deviceNodes(hc.devices ?? []);
  const resources: OciSpec['linux']['resources'] = {
    devices: [{ allow: false, access: 'rwm' }, ...DEFAULT_DEVICES, ...devs.rules],
    ...resourcesOf(hc, inp.defaultPidsLimit ?? DEFAULT_PIDS_LIMIT),
  };
  const seccomp = containerSeccomp(hc.securityOpt, caps, hc.privileged);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: record.config.tty,
      ...(record.config.tty && h > 0 && w > 0 ? { consoleSize: { height: h, width: w } } : {}),
      user: inp.user,
      args: [record.path, ...record.args],
      env: containerEnv(record),
      cwd: inp.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      // Only `--ulimit`s: like dockerd, the rest is inherited (a fixed default can exceed the host's hard limit).
      rlimits: rlimitsOf(hc.ulimits),
      noNewPrivileges: noNewPrivileges(hc.securityOpt),
      oomScoreAdj: 0,
    },
    root: { path: inp.rootfsPath, readonly: hc.readonlyRootfs },
    hostname: record.config.hostname,
    mounts: withUserMounts([...BASE_MOUNTS, ...etcMounts(inp.etcFiles)], ociMounts(record.mounts)),
    linux: {
      namespaces,
      maskedPaths: hc.privileged ? [] : MASKED_PATHS,
      readonlyPaths: hc.privileged ? [] : READONLY_PATHS,
      cgroupsPath: inp.cgroupsPath,
      resources,
      ...(devs.nodes.length ? { devices: devs.nodes } : {}),
      ...(seccomp ? { seccomp } : {}),
    },
  };
}

/** User mounts go last; a default at the same destination (e.g. /etc/hosts) yields to them. */
function withUserMounts(defaults: OciMount[], user: OciMount[]): OciMount[] {
  const taken = new Set(user.map((m) => m.destination));
  return [...defaults.filter((m) => !taken.has(m.destination)), ...user];
}

function etcMounts(f: SpecInputs['etcFiles']): OciMount[] {
  const bind = (destination: string, source: string): OciMount => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate'] });
  return [bind('/etc/resolv.conf', f.resolvConf), bind('/etc/hostname', f.hostname), bind('/etc/hosts', f.hosts)];
}

const BASE_MOUNTS: OciMount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
];

/** moby oci/defaults.go DefaultLinuxSpec device rules. */
const DEFAULT_DEVICES = [
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
  { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // /dev/fuse
];

export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** Kernel numbers of the capabilities (linux/capability.h). */
const CAP_NUMBERS: Record<string, number> = Object.fromEntries([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
].map((c, i) => [c, i]));
