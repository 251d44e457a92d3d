import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConmonTaskManager, type ConmonTaskManagerOptions } from './conmon-task-manager.js';
import type { ExecProcessSpec } from './task-manager.js';
import { TEST_CGROUP_PARENT, cleanupAll, collect, makeBundle, makeBusyboxRootfs, newId } from './task-test-helpers.js';

let root: string;
let opts: ConmonTaskManagerOptions;
let mgr: ConmonTaskManager;
let id: string;

const proc = (args: string[]): ExecProcessSpec => ({
  args, env: ['PATH=/bin:/usr/bin', 'TERM=xterm'], cwd: '/', user: { uid: 0, gid: 0 }, tty: true,
});

beforeAll(async () => {
  root = await fs.mkdtemp('/tmp/bt-');
  const rootfs = await makeBusyboxRootfs(root);
  opts = { runcRoot: path.join(root, 'runc'), exitDir: path.join(root, 'exits'), socketDir: path.join(root, 'sock'), cgroupParent: TEST_CGROUP_PARENT };
  mgr = new ConmonTaskManager(opts);
  id = newId();
  const bundleDir = await makeBundle(root, rootfs, id, { args: ['sleep', '1000'] });
  await mgr.create({ id, bundleDir, logPath: path.join(bundleDir, 'ctr.log'), tty: false, stdin: false, stdinOnce: false, name: id });
  await mgr.start(id);
}, 30_000);

afterAll(async () => {
  mgr?.close();
  if (root) await cleanupAll(root, opts.runcRoot);
}, 30_000);

describe('execTty (root, conmon --exec --exec-attach)', () => {
  it('runs an interactive shell on a pty with the initial size, resize and the exit code', async () => {
    const t0 = Date.now();
    const h = await mgr.execTty(id, 'e'.repeat(64), proc(['sh']), { stdin: true, size: { rows: 33, cols: 99 } });
    const startMs = Date.now() - t0;
    expect(await h.pid).toBeGreaterThan(0);
    h.stdin!.write('stty size; tty; echo mark-$((40+2))\n');
    const first = await collect(h.output, (s) => /mark-42/.test(s));
    expect(first.stdout).toMatch(/33 99/);
    expect(first.stdout).toMatch(/\/dev\/pts\/\d+/);
    await h.resize({ rows: 50, cols: 132 });
    h.stdin!.write('stty size; exit 9\n');
    const rest = await collect(h.output, (s) => /50 132/.test(s));
    expect(rest.stdout).toMatch(/50 132/);
    expect(await h.exit).toBe(9);
    console.log(`execTty ready in ${startMs} ms`);
  }, 30_000);

  it('reports the exit code of a non-interactive tty exec and removes its session dir', async () => {
    const before = (await fs.readdir('/tmp')).filter((f) => f.startsWith('bx-')).length;
    const h = await mgr.execTty(id, 'f'.repeat(64), proc(['sh', '-c', 'echo out; exit 4']), { stdin: false });
    expect(h.stdin).toBeNull();
    const out = await collect(h.output, () => false).catch(() => ({ stdout: '' }));
    expect(out.stdout).toContain('out\r\n');
    expect(await h.exit).toBe(4);
    expect((await fs.readdir('/tmp')).filter((f) => f.startsWith('bx-')).length).toBeLessThanOrEqual(before);
  }, 30_000);

  it('reports a missing binary as Docker does: message in the output, exit 127, pid rejects', async () => {
    const h = await mgr.execTty(id, 'a'.repeat(64), proc(['/nope']), { stdin: false });
    await expect(h.pid).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const out = await collect(h.output, () => false).catch(() => ({ stdout: '' }));
    expect(out.stdout).toMatch(/^OCI runtime exec failed: .*\/nope.*: unknown\r\n$/);
    expect(await h.exit).toBe(127);
  }, 30_000);
});
