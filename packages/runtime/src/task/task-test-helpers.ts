/**
 * @module task/task-test-helpers
 * Fixtures for the root tests of the task layer: a busybox rootfs, runc bundles made from
 * `runc spec`, and cleanup of everything a test may leave (containers, conmons, cgroups).
 * Test-only; not exported from the package.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TaskExit, TaskManager } from './task-manager.js';

export const TEST_CGROUP_PARENT = '/berth-test';

export async function makeBusyboxRootfs(dir: string): Promise<string> {
  const rootfs = path.join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp']) await fs.mkdir(path.join(rootfs, d), { recursive: true });
  await fs.copyFile('/usr/bin/busybox', path.join(rootfs, 'bin/busybox'));
  await fs.chmod(path.join(rootfs, 'bin/busybox'), 0o755);
  execFileSync('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return rootfs;
}

export interface BundleOpts {
  args: string[];
  terminal?: boolean;
  /** Drop the pid namespace so the process is not a namespace init (which ignores TERM). */
  hostPidNs?: boolean;
  memoryLimit?: number;
}

export async function makeBundle(root: string, rootfs: string, id: string, o: BundleOpts): Promise<string> {
  const dir = path.join(root, 'b', id);
  await fs.mkdir(dir, { recursive: true });
  execFileSync('runc', ['spec', '--bundle', dir]);
  const file = path.join(dir, 'config.json');
  const spec = JSON.parse(await fs.readFile(file, 'utf8'));
  spec.root = { path: rootfs, readonly: true };
  spec.process.args = o.args;
  spec.process.terminal = o.terminal ?? false;
  spec.linux.cgroupsPath = `${TEST_CGROUP_PARENT}/${id}`;
  if (o.hostPidNs) spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid');
  if (o.memoryLimit) spec.linux.resources = { ...spec.linux.resources, memory: { limit: o.memoryLimit, swap: o.memoryLimit } };
  await fs.writeFile(file, JSON.stringify(spec, null, 1));
  return dir;
}

export function newId(): string {
  return `bt${randomBytes(6).toString('hex')}`;
}

/** Resolves with the first exit of `id` seen by `mgr.exits()`. */
export async function waitExit(mgr: TaskManager, id: string, timeoutMs = 15_000): Promise<TaskExit> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for await (const e of mgr.exits(ac.signal)) if (e.id === id) return e;
    throw new Error(`no exit for ${id} within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function collect(it: AsyncIterable<{ stream: string; data: Buffer }>, until: (text: string) => boolean, timeoutMs = 10_000): Promise<Record<string, string>> {
  const out: Record<string, string> = { stdout: '', stderr: '' };
  const iter = it[Symbol.asyncIterator]();
  const end = Date.now() + timeoutMs;
  while (!until(out.stdout! + out.stderr!)) {
    const left = end - Date.now();
    if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(out)}`);
    const r = await Promise.race([iter.next(), new Promise<'t'>((res) => setTimeout(() => res('t'), left))]);
    if (r === 't') continue;
    if (r.done) break;
    out[r.value.stream] += r.value.data.toString('utf8');
  }
  return out;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = execFileSync('cat', [`/proc/${pid}/stat`]).toString();
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Everything a failed test may leave: containers, their conmons, cgroups, the temp dir. */
export async function cleanupAll(root: string, runcRoot: string): Promise<void> {
  let ids: string[] = [];
  try { ids = await fs.readdir(runcRoot); } catch { /* none */ }
  for (const id of ids) {
    try { execFileSync('runc', ['--root', runcRoot, 'delete', '--force', id], { stdio: 'ignore' }); } catch { /* gone */ }
  }
  try {
    for (const id of await fs.readdir(path.join(root, 'b'))) {
      try {
        const pid = Number(await fs.readFile(path.join(root, 'b', id, 'conmon.pid'), 'utf8'));
        if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGKILL');
      } catch { /* no conmon */ }
    }
  } catch { /* no bundles */ }
  await new Promise((r) => setTimeout(r, 200));
  for (const ctrl of await fs.readdir('/sys/fs/cgroup')) {
    const base = path.join('/sys/fs/cgroup', ctrl, TEST_CGROUP_PARENT);
    let kids: string[] = [];
    try { kids = (await fs.readdir(base, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name); } catch { continue; }
    for (const k of kids) await fs.rmdir(path.join(base, k)).catch(() => undefined);
    await fs.rmdir(base).catch(() => undefined);
  }
  await fs.rm(root, { recursive: true, force: true });
}
