/**
 * @module task/cgroups
 * The few cgroup operations the task layer needs, for v1/hybrid (one hierarchy per controller
 * under /sys/fs/cgroup/<ctrl>) and pure v2 (/sys/fs/cgroup). Containers use an absolute
 * `linux.cgroupsPath` such as `/berth/<id>`; runc removes the leaf on delete, the parents are ours.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const CGROUP_FS = '/sys/fs/cgroup';
/** Controllers conmon is moved into (v1); the ones a service manager's cgroup kill would hit. */
const MONITOR_CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct', 'systemd', 'unified'];

let rootsCache: Promise<{ v2: boolean; roots: string[] }> | undefined;

/** Mount points of the cgroup hierarchies (one entry on pure v2). */
export function cgroupHierarchies(): Promise<{ v2: boolean; roots: string[] }> {
  rootsCache ??= (async () => {
    try {
      await fs.access(path.join(CGROUP_FS, 'cgroup.controllers'));
      return { v2: true, roots: [CGROUP_FS] };
    } catch { /* v1 or hybrid */ }
    try {
      const ents = await fs.readdir(CGROUP_FS, { withFileTypes: true });
      // cpu,cpuacct-style symlinks point at a directory listed anyway.
      return { v2: false, roots: ents.filter((e) => e.isDirectory()).map((e) => path.join(CGROUP_FS, e.name)) };
    } catch {
      return { v2: false, roots: [] };
    }
  })();
  return rootsCache;
}

/** Only absolute, cgroupfs-style paths are ours to touch (not "slice:prefix:name", not relative). */
export function isManagedCgroupPath(p: string | undefined): p is string {
  return !!p && p.startsWith('/') && !p.includes(':') && !p.split('/').includes('..');
}

/**
 * rmdir `cgroupsPath` and then its empty parents in every hierarchy, stopping at the first
 * non-empty one and never removing `keep` (the engine's shared parent) or anything above it.
 */
export async function removeCgroupDirs(cgroupsPath: string, keep?: string): Promise<void> {
  if (!isManagedCgroupPath(cgroupsPath)) return;
  const chain: string[] = [];
  for (let p = path.posix.normalize(cgroupsPath); p !== '/' && p !== '.'; p = path.posix.dirname(p)) {
    if (keep && (p === keep || keep.startsWith(`${p}/`))) break;
    chain.push(p);
  }
  const { roots } = await cgroupHierarchies();
  await Promise.all(roots.map(async (root) => {
    for (const rel of chain) {
      try {
        await fs.rmdir(root + rel);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
      }
    }
  }));
}

/** `oom_kill` count of the container's memory cgroup; 0 when unreadable (e.g. already deleted). */
export async function oomKillCount(cgroupsPath: string | undefined): Promise<number> {
  if (!isManagedCgroupPath(cgroupsPath)) return 0;
  const { v2 } = await cgroupHierarchies();
  const file = v2 ? path.join(CGROUP_FS, cgroupsPath, 'memory.events') : path.join(CGROUP_FS, 'memory', cgroupsPath, 'memory.oom_control');
  try {
    const m = /(?:^|\n)oom_kill (\d+)/.exec(await fs.readFile(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Moves `pid` into `<rel>` of the controllers a cgroup-wide kill of the daemon's service would
 * reach, so conmon (and the container it watches) survive a daemon stop. Best effort: returns the
 * errors instead of throwing, a monitor left in the daemon's cgroup still works.
 */
export async function moveToCgroup(pid: number, rel: string): Promise<string[]> {
  if (!isManagedCgroupPath(rel)) return [`not an absolute cgroup path: ${rel}`];
  const { v2, roots } = await cgroupHierarchies();
  // Only mounted hierarchies: on v1 /sys/fs/cgroup is a tmpfs where mkdir would "succeed" uselessly.
  const dirs = v2 ? [path.join(CGROUP_FS, rel)]
    : MONITOR_CONTROLLERS.map((c) => path.join(CGROUP_FS, c)).filter((r) => roots.includes(r)).map((r) => path.join(r, rel));
  const problems: string[] = [];
  await Promise.all(dirs.map(async (dir) => {
    try {
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'cgroup.procs'), `${pid}\n`);
    } catch (err) {
      problems.push(`${dir}: ${(err as Error).message}`);
    }
  }));
  return problems;
}
