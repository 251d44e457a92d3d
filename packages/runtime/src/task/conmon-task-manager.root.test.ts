import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConmonTaskManager, type ConmonTaskManagerOptions } from './conmon-task-manager.js';
import type { TaskCreateOptions } from './task-manager.js';
import { readK8sFileLogs } from '../logs/k8s-file-reader.js';
import {
  TEST_CGROUP_PARENT, cleanupAll, collect, makeBundle, makeBusyboxRootfs, newId, processAlive, waitExit, waitFor,
  type BundleOpts,
} from './task-test-helpers.js';

let root: string;
let rootfs: string;
let opts: ConmonTaskManagerOptions;
let mgr: ConmonTaskManager;

beforeAll(async () => {
  root = await fs.mkdtemp('/tmp/bt-');
  rootfs = await makeBusyboxRootfs(root);
  opts = {
    runcRoot: path.join(root, 'runc'), exitDir: path.join(root, 'exits'), socketDir: path.join(root, 'sock'),
    cgroupParent: TEST_CGROUP_PARENT,
  };
  mgr = new ConmonTaskManager(opts);
}, 30_000);

afterAll(async () => {
  mgr?.close();
  if (root) await cleanupAll(root, opts.runcRoot);
}, 30_000);

async function setup(o: BundleOpts, t: Partial<TaskCreateOptions> = {}): Promise<TaskCreateOptions> {
  const id = newId();
  const bundleDir = await makeBundle(root, rootfs, id, o);
  return { id, bundleDir, logPath: path.join(bundleDir, 'ctr.log'), tty: false, stdin: false, stdinOnce: false, name: id, ...t };
}

const log = (t: TaskCreateOptions): Promise<string> => fs.readFile(t.logPath, 'utf8');

describe('ConmonTaskManager (root, real conmon + runc)', () => {
  it('runs echo: exit 0, k8s-file log, conmon in its own cgroup, delete removes the cgroup', async () => {
    const t = await setup({ args: ['sh', '-c', 'echo hello'] });
    const { pid } = await mgr.create(t);
    expect(pid).toBeGreaterThan(0);
    expect(await mgr.state(t.id)).toEqual({ status: 'created', pid });
    expect(await mgr.monitorAlive(t.bundleDir)).toBe(true);
    const conmonPid = Number(await fs.readFile(path.join(t.bundleDir, 'conmon.pid'), 'utf8'));
    expect(await fs.readFile(`/proc/${conmonPid}/cgroup`, 'utf8')).toMatch(/memory:\/berth-test\/conmon\n/);
    const exited = waitExit(mgr, t.id);
    const exited2 = waitExit(mgr, t.id); // every watcher sees every exit
    await mgr.start(t.id);
    const e = await exited;
    expect(e).toMatchObject({ id: t.id, exitCode: 0, oomKilled: false });
    expect(await exited2).toEqual(e);
    expect(Date.now() - Date.parse(e.exitedAt)).toBeLessThan(10_000);
    expect(await log(t)).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d stdout F hello\n$/);
    expect((await mgr.state(t.id))?.status).toBe('stopped');
    await waitFor(async () => !(await mgr.monitorAlive(t.bundleDir)), 5000, 'conmon exit');
    expect(await mgr.readExit(t.id, t.bundleDir)).toMatchObject({ exitCode: 0 });
    await mgr.delete(t.id);
    await mgr.delete(t.id); // idempotent
    expect(await mgr.state(t.id)).toBeUndefined();
    await expect(fs.access(`/sys/fs/cgroup/memory${TEST_CGROUP_PARENT}/${t.id}`)).rejects.toThrow();
    await expect(fs.access(`/sys/fs/cgroup/memory${TEST_CGROUP_PARENT}`)).resolves.toBeUndefined(); // kept: cgroupParent
    await mgr.clearExit(t.id);
    expect(await mgr.readExit(t.id, t.bundleDir)).toBeUndefined();

    // Run it again from the same bundle (docker restart): a fresh exit, and the log is appended to.
    await mgr.create(t);
    const again = waitExit(mgr, t.id);
    await mgr.start(t.id);
    expect((await again).exitCode).toBe(0);
    expect((await log(t)).match(/stdout F hello\n/g)).toHaveLength(2);
    await mgr.delete(t.id);
  }, 30_000);

  it('attach round-trips stdin through cat, also 100 KB in 32 KiB packets, and end() gives EOF', async () => {
    const t = await setup({ args: ['cat'] }, { stdin: true, stdinOnce: true });
    await mgr.create(t);
    const a = await mgr.attach(t.id, t.bundleDir);
    const exited = waitExit(mgr, t.id);
    await mgr.start(t.id);
    a.write(Buffer.from('ping\n'));
    expect((await collect(a.output, (s) => s.includes('ping\n'))).stdout).toBe('ping\n');
    const big = Buffer.alloc(100_000, 'x');
    a.write(big);
    const got = await collect(a.output, (s) => s.length >= big.length);
    expect(got.stdout.length).toBe(big.length);
    a.end();
    expect((await exited).exitCode).toBe(0);
    a.destroy();
    await mgr.delete(t.id);
  }, 30_000);

  it('tty container: resize via ctl is seen by stty size; attach after detach still works', async () => {
    const t = await setup({ args: ['sh', '-c', 'read line; tty; stty size; echo "got $line"'], terminal: true }, { tty: true, stdin: true, stdinOnce: false });
    await mgr.create(t);
    const a1 = await mgr.attach(t.id, t.bundleDir);
    await mgr.start(t.id);
    await mgr.resize(t.bundleDir, { rows: 50, cols: 132 });
    a1.destroy(); // detach: the container keeps running
    expect((await mgr.state(t.id))?.status).toBe('running');
    const a2 = await mgr.attach(t.id, t.bundleDir);
    const exited = waitExit(mgr, t.id);
    a2.write(Buffer.from('abc\r'));
    const out = await collect(a2.output, (s) => s.includes('got abc'));
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/\/dev\/pts\/\d+\r\n50 132\r\n/);
    expect((await exited).exitCode).toBe(0);
    expect(await log(t)).toContain('stdout F 50 132');
    await mgr.resize(t.bundleDir, { rows: 1, cols: 1 }); // conmon gone: silently ignored
    await mgr.delete(t.id);
  }, 30_000);

  it('kill TERM → exit 143; error mapping of runc failures', async () => {
    const t = await setup({ args: ['sleep', '100'], hostPidNs: true });
    await mgr.create(t);
    await mgr.start(t.id);
    await expect(mgr.start(t.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(mgr.resume(t.id)).rejects.toMatchObject({ code: 'CONFLICT', message: `Container ${t.id} is not paused` });
    await mgr.pause(t.id);
    expect((await mgr.state(t.id))?.status).toBe('paused');
    await mgr.resume(t.id);
    const exited = waitExit(mgr, t.id);
    await mgr.kill(t.id, 'TERM');
    expect((await exited).exitCode).toBe(143);
    await expect(mgr.kill(t.id, 'SIGKILL')).rejects.toMatchObject({ code: 'CONFLICT', message: `Container ${t.id} is not running` });
    await mgr.delete(t.id);
    await expect(mgr.start(t.id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `No such container: ${t.id}` });
    expect(await mgr.state('nosuchid')).toBeUndefined();
  }, 30_000);

  it('exec: output per stream, exit code, pid; a missing binary gives 127 and INVALID_ARGUMENT', async () => {
    const t = await setup({ args: ['sleep', '100'] });
    await mgr.create(t);
    await mgr.start(t.id);
    const proc = { env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 }, tty: false };
    const h = await mgr.exec(t.id, { ...proc, args: ['sh', '-c', 'echo hi; echo err >&2; exit 3'] }, { stdin: false });
    const out = await collect(h.output, () => false);
    expect(out).toEqual({ stdout: 'hi\n', stderr: 'err\n' });
    expect(await h.exit).toBe(3);
    expect(await h.pid).toBeGreaterThan(0);

    const h2 = await mgr.exec(t.id, { ...proc, args: ['cat'] }, { stdin: true });
    h2.stdin!.end('from stdin');
    expect((await collect(h2.output, () => false)).stdout).toBe('from stdin');
    expect(await h2.exit).toBe(0);

    const h3 = await mgr.exec(t.id, { ...proc, args: ['sleep', '100'] }, { stdin: false });
    await h3.pid;
    h3.kill('KILL');
    expect(await h3.exit).toBe(137);

    const bad = await mgr.exec(t.id, { ...proc, args: ['nope'] }, { stdin: false });
    const badOut = await collect(bad.output, () => false);
    expect(await bad.exit).toBe(127);
    await expect(bad.pid).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(badOut.stderr).toContain('executable file not found');
    await mgr.kill(t.id, 'KILL');
    await mgr.delete(t.id);
  }, 30_000);

  it('a missing binary fails create with INVALID_ARGUMENT and leaves nothing behind', async () => {
    const t = await setup({ args: ['/nope'] });
    const err = await mgr.create(t).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toBe('runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory');
    expect(await mgr.state(t.id)).toBeUndefined();
    expect(await mgr.monitorAlive(t.bundleDir)).toBe(false);
    await expect(fs.access(`/sys/fs/cgroup/memory${TEST_CGROUP_PARENT}/${t.id}`)).rejects.toThrow();
    await waitFor(async () => !(await psHas(t.id)), 3000, 'no process mentions the id');
  }, 30_000);

  it('OOM kill: exit 137 and oomKilled', async () => {
    const t = await setup({ args: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], memoryLimit: 32 * 1024 * 1024 });
    await mgr.create(t);
    const exited = waitExit(mgr, t.id);
    await mgr.start(t.id);
    expect(await exited).toMatchObject({ exitCode: 137, oomKilled: true });
    await mgr.delete(t.id);
  }, 30_000);

  it('a fresh manager (daemon restart) sees exits of containers started by another one', async () => {
    const t = await setup({ args: ['sh', '-c', 'read x; exit 7'] }, { stdin: true, stdinOnce: true });
    await mgr.create(t);
    await mgr.start(t.id);
    const other = new ConmonTaskManager(opts);
    expect(await other.monitorAlive(t.bundleDir)).toBe(true);
    expect((await other.state(t.id))?.status).toBe('running');
    const exited = waitExit(other, t.id);
    const a = await other.attach(t.id, t.bundleDir);
    a.write(Buffer.from('go\n'));
    expect(await exited).toMatchObject({ id: t.id, exitCode: 7, oomKilled: false });
    a.destroy();
    // And a third one started after the exit still reports it (initial scan).
    expect(await waitExit(new ConmonTaskManager(opts), t.id)).toMatchObject({ exitCode: 7 });
    await other.delete(t.id);
    await expect(fs.access(`/sys/fs/cgroup/pids${TEST_CGROUP_PARENT}/${t.id}`)).rejects.toThrow();
  }, 30_000);

  it('rotates the log past logMaxSize; conmon keeps writing to the new file with no gap', async () => {
    const t = await setup({ args: ['sh', '-c', 'i=0; while [ $i -lt 400 ]; do echo line$i; i=$((i+1)); usleep 5000; done'] }, { logMaxSize: 3000 });
    await mgr.create(t);
    const exited = waitExit(mgr, t.id);
    await mgr.start(t.id);
    let rotations = 0;
    while (!(await fs.access(path.join(opts.exitDir, t.id)).then(() => true, () => false))) {
      await new Promise((r) => setTimeout(r, 150));
      const before = await fs.stat(t.logPath).then((s) => s.ino, () => 0);
      await mgr.rotateLogsNow();
      const after = await fs.stat(`${t.logPath}.1`).then((s) => s.ino, () => 0);
      if (before && before === after) rotations++;
    }
    await exited;
    expect(rotations).toBeGreaterThanOrEqual(2);
    await expect(fs.access(`${t.logPath}.3`)).rejects.toThrow(); // 3 files kept: .2, .1, live
    const files = [`${t.logPath}.2`, `${t.logPath}.1`, t.logPath];
    const lines = (await Promise.all(files.map((f) => fs.readFile(f, 'utf8').catch(() => '')))).join('')
      .split('\n').filter(Boolean).map((l) => Number(/stdout F line(\d+)$/.exec(l)?.[1]));
    expect(lines.at(-1)).toBe(399);
    lines.forEach((n, i) => { if (i) expect(n).toBe(lines[i - 1]! + 1); }); // contiguous: nothing lost
    await mgr.delete(t.id);
  }, 30_000);
});

describe('readK8sFileLogs over a real conmon log (root)', () => {
  it('joins conmon\'s P/F records, separates streams and follows until the container exits', async () => {
    // conmon reads stdout and stderr from separate pipes: across streams, order holds only with a pause.
    const script = "printf 'partial'; usleep 200000; echo ' done'; head -c 20000 /dev/zero | tr '\\0' x; echo; usleep 200000; echo err >&2; usleep 300000; echo last";
    const t = await setup({ args: ['sh', '-c', script] });
    await mgr.create(t);
    let running = true;
    const exited = waitExit(mgr, t.id).then((e) => { running = false; return e; });
    const got: { stream: string; text: string }[] = [];
    const reading = (async () => {
      for await (const e of readK8sFileLogs(t.logPath, { follow: true, stdout: true, stderr: true, isRunning: () => running })) {
        got.push({ stream: e.stream, text: e.data.toString() });
      }
    })();
    await mgr.start(t.id);
    await exited;
    await reading;
    expect(got.map((g) => g.stream)).toEqual(['stdout', 'stdout', 'stderr', 'stdout']);
    expect(got[0]!.text).toBe('partial done\n');
    expect(got[1]!.text).toBe(`${'x'.repeat(20000)}\n`);
    expect(got.slice(2).map((g) => g.text)).toEqual(['err\n', 'last\n']);
    expect(await fs.readFile(t.logPath, 'utf8')).toContain('stdout P partial');
    await mgr.delete(t.id);
  }, 30_000);
});

async function psHas(s: string): Promise<boolean> {
  for (const p of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const cmd = await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(s) && processAlive(Number(p))) return true;
  }
  return false;
}
