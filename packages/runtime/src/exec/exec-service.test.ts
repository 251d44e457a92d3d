import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { LocalContainerService } from '../containers/container-service.js';
import { LocalExecService } from './exec-service.js';
import { JsonContainerRepository } from '../metadata/container-repository.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { FakeTaskManager } from '../task/fake/fake-task-manager.js';
import { EventBus } from '../events/event-bus.js';
import { silentLogger } from '../util/logger.js';
import type { ImageRecord } from '../images/image-types.js';
import type { Mounter } from '../snapshots/snapshotter.js';

const IMAGE = { id: 'sha256:' + 'a'.repeat(64), chainId: null, config: { cmd: ['sh'], env: ['PATH=/bin'] } } as unknown as ImageRecord;
const noMount: Mounter = { mount: async () => undefined, unmount: async () => undefined };

let dir: string;
let tasks: FakeTaskManager;
let svc: LocalContainerService;
let exec: LocalExecService;
let id: string;

beforeEach(async () => {
  dir = await mkdtemp('/tmp/bt-ex-');
  tasks = new FakeTaskManager();
  svc = new LocalContainerService({
    repo: await JsonContainerRepository.open(`${dir}/containers`), tasks, events: new EventBus(), logger: silentLogger, mounter: noMount,
    images: { resolve: async () => IMAGE }, snapshotter: new OverlaySnapshotter(`${dir}/overlay`),
    readLogs: async function* () { /* no logs */ },
    execRoot: `${dir}/exec`, cgroupParent: '/t', defaultPidsLimit: 2048, logMaxSize: 0,
  });
  exec = new LocalExecService(svc.ctx);
  ({ id } = await svc.create({ config: { image: 'busybox', cmd: ['sleep', '1000'] }, hostConfig: {} }));
  await svc.start(id);
});
afterEach(async () => { await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); });

describe('LocalExecService with a tty', () => {
  it('starts through execTty with the console size, resizes, and records the exit code', async () => {
    const { id: execId } = await exec.create(id, { cmd: ['sh'], tty: true, attachStdin: true, attachStdout: true });
    // A resize that races the start waits for it (the CLI sends one right after starting).
    const early = exec.resize(execId, { rows: 40, cols: 120 });
    const session = (await exec.start(execId, { detach: false, tty: true, consoleSize: [24, 80] }))!;
    await early;
    expect(session.tty).toBe(true);
    expect(tasks.calls).toContain(`execTty ${id} sh 24x80`);
    expect(tasks.calls).toContain(`execResize ${execId} 40x120`);
    const fake = tasks.ttyExecs.get(execId)!;
    session.writeStdin(Buffer.from('exit 6\n'));
    expect(Buffer.concat(fake.stdin).toString()).toBe('exit 6\n');
    fake.output.push({ stream: 'stdout', data: Buffer.from('# exit 6\r\n') });
    fake.finish(6);
    const out: string[] = [];
    for await (const c of session.output) out.push(c.data.toString());
    expect(out.join('')).toBe('# exit 6\r\n');
    expect(await exec.inspect(execId)).toMatchObject({ running: false, exitCode: 6 });
    await expect(exec.resize(execId, { rows: 1, cols: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('LocalExecService process spec', () => {
  it('resolves the user from create() on and reports an unknown one at start, as Docker does', async () => {
    const { id: bad } = await exec.create(id, { cmd: ['true'], user: 'nobody-here', attachStdout: true });
    await new Promise((r) => setTimeout(r, 20)); // the background lookup has failed by now: no unhandled rejection
    await expect(exec.start(bad, { detach: false })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(exec.start(bad, { detach: false })).rejects.toMatchObject({ code: 'CONFLICT' });
    const seen: unknown[] = [];
    const orig = tasks.execTty.bind(tasks);
    tasks.execTty = (cid, eid, p, o) => { seen.push(p); return orig(cid, eid, p, o); };
    const { id: ok } = await exec.create(id, { cmd: ['true'], user: '0:0', env: ['A=1'], workingDir: '/tmp', tty: true, attachStdout: true });
    expect(await exec.start(ok, { detach: false, tty: true })).toBeDefined();
    expect(seen[0]).toMatchObject({ args: ['true'], cwd: '/tmp', user: { uid: 0, gid: 0 }, tty: true, noNewPrivileges: true });
    expect((seen[0] as { env: string[] }).env).toEqual(expect.arrayContaining(['PATH=/bin', 'A=1']));
    tasks.ttyExecs.get(ok)!.finish(0);
  });
});
