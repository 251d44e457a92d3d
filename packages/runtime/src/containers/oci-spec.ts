/**
 * @module containers/oci-spec
 * Pure generation of a container's OCI runtime config from its record and resolved facts.
 * Defaults follow moby's oci/defaults.go (capabilities, masked paths, devices), plus two things
 * Docker leaves off: no-new-privileges and a pids limit (Podman's 2048).
 */
import type { ContainerRecord } from './container-types.js';
import type { OciMount, OciSpec, OciUser } from '../oci/runtime-spec.js';
import { ociMounts } from './container-mounts.js';

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
  if (privileged) return [...ALL_CAPABILITIES];
  const drop = new Set(capDrop.map(norm));
  const dropAll = drop.has('CAP_ALL');
  let caps: string[] = dropAll ? [] : DEFAULT_CAPABILITIES.filter((c) => !drop.has(c));
  for (const c of capAdd.map(norm)) {
    if (c === 'CAP_ALL') caps = [...ALL_CAPABILITIES];
    else if (!caps.includes(c)) caps.push(c);
  }
  return caps;
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
  const pidsLimit = hc.pidsLimit && hc.pidsLimit > 0 ? hc.pidsLimit : (inp.defaultPidsLimit ?? DEFAULT_PIDS_LIMIT);
  const resources: OciSpec['linux']['resources'] = {
    devices: [{ allow: false, access: 'rwm' }, ...DEFAULT_DEVICES],
    pids: { limit: pidsLimit },
  };
  if (hc.memory > 0) resources.memory = { limit: hc.memory, swap: hc.memorySwap > 0 ? hc.memorySwap : hc.memorySwap === -1 ? -1 : hc.memory * 2 };
  if (hc.cpuShares > 0 || hc.nanoCpus > 0) {
    resources.cpu = {};
    if (hc.cpuShares > 0) resources.cpu.shares = hc.cpuShares;
    if (hc.nanoCpus > 0) { resources.cpu.period = 100000; resources.cpu.quota = Math.round(hc.nanoCpus / 1e9 * 100000); }
  }
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
      // No rlimits: like dockerd, containers inherit the daemon's (a fixed value can exceed the host's hard limit).
      rlimits: [],
      noNewPrivileges: !hc.securityOpt.some((o) => /^no-new-privileges[=:]false$/.test(o)),
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
