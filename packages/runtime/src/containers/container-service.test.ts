import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { LocalContainerService } from './container-service.js';
import { JsonContainerRepository } from '../metadata/container-repository.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { FakeTaskManager } from '../task/fake/fake-task-manager.js';
import { EventBus } from '../events/event-bus.js';
import { silentLogger } from '../util/logger.js';
import { errors } from '../errors/engine-error.js';
import type { ImageRecord } from '../images/image-types.js';
import type { Mounter } from '../snapshots/snapshotter.js';

const IMAGE = { id: 'sha256:' + 'a'.repeat(64), chainId: null, config: { cmd: ['sh'], env: ['PATH=/bin'] } } as unknown as ImageRecord;
const noMount: Mounter = { mount: async () => undefined, unmount: async () => undefined };

let dir: string;
let tasks: FakeTaskManager;
let events: EventBus;
let svc: LocalContainerService;
let watching: AbortController;

async function build() {
  const repo = await JsonContainerRepository.open(`${dir}/containers`);
  svc = new LocalContainerService({
    repo, tasks, events, logger: silentLogger, mounter: noMount,
    images: { resolve: async (ref) => { if (ref === 'busybox' || ref === IMAGE.id) return IMAGE; throw errors.notFound('image', ref); } },
    snapshotter: new OverlaySnapshotter(`${dir}/overlay`),
    readLogs: async function* () { /* no logs */ },
    execRoot: `${dir}/exec`, cgroupParent: '/t', defaultPidsLimit: 2048, logMaxSize: 0,
  });
  watching = new AbortController();
  void svc.watchExits(watching.signal);
}

beforeEach(async () => {
  dir = await mkdtemp('/tmp/bt-svc-');
  tasks = new FakeTaskManager();
  events = new EventBus();
  await build();
});
afterEach(async () => {
  watching.abort();
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); // a background write may still land
});

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('LocalContainerService with a fake task manager', () => {
  it('runs the create → start → exit → remove lifecycle and publishes Docker events', async () => {
    const seen: string[] = [];
    const ac = new AbortController();
    void (async () => { for await (const e of events.subscribe({ signal: ac.signal })) seen.push(e.action); })();
    const { id } = await svc.create({ name: 'web', config: { image: 'busybox', cmd: ['echo', 'hi'] }, hostConfig: {} });
    expect((await svc.inspect('web')).state.status).toBe('created');
    const { done } = await svc.wait('web', 'next-exit');
    expect(await svc.start(id)).toEqual({ changed: true });
    expect(await svc.start(id)).toEqual({ changed: false });
    tasks.exit(id, 3);
    expect(await done).toEqual({ exitCode: 3 });
    await settle();
    expect((await svc.inspect(id)).state).toMatchObject({ status: 'exited', exitCode: 3, pid: 0 });
    await svc.remove(id);
    await expect(svc.inspect(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    ac.abort();
    expect(seen).toEqual(['create', 'start', 'die', 'destroy']);
  });

  it('stop sends the stop signal and reports the exit; a second stop is a no-op', async () => {
    const { id } = await svc.create({ config: { image: 'busybox' }, hostConfig: {} });
    await svc.start(id);
    expect(await svc.stop(id, { timeoutSec: 5 })).toEqual({ changed: true });
    expect(tasks.calls).toContain(`kill ${id} TERM`);
    expect((await svc.inspect(id)).state).toMatchObject({ status: 'exited', exitCode: 143 });
    expect(await svc.stop(id)).toEqual({ changed: false });
  });

  it('refuses to remove a running container without force, and force-removes it', async () => {
    const { id } = await svc.create({ config: { image: 'busybox' }, hostConfig: {} });
    await svc.start(id);
    await expect(svc.remove(id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await svc.remove(id, { force: true });
    expect(tasks.calls).toContain(`kill ${id} KILL`);
    expect(await svc.list({ all: true })).toEqual([]);
  });

  it('an attach made before start receives the output and forwards stdin', async () => {
    const { id } = await svc.create({ config: { image: 'busybox', openStdin: true, stdinOnce: true }, hostConfig: {} });
    const session = await svc.attach(id, { stdin: true, stdout: true, stderr: true });
    session.writeStdin(Buffer.from('early'));
    session.closeStdin();
    await svc.start(id);
    tasks.output(id, 'hello\n');
    tasks.exit(id, 0);
    const out: string[] = [];
    for await (const c of session.output) out.push(c.data.toString());
    expect(out.join('')).toBe('hello\n');
    expect(tasks.calls).toContain(`stdin-eof ${id}`);
  });

  it('auto-removes a --rm container on exit and wakes "removed" waiters', async () => {
    const { id } = await svc.create({ config: { image: 'busybox' }, hostConfig: { autoRemove: true } });
    const { done } = await svc.wait(id, 'removed');
    await svc.start(id);
    tasks.exit(id, 7);
    expect(await done).toEqual({ exitCode: 7 });
    await expect(svc.inspect(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a failed start leaves the container created with exit code 127 and no task', async () => {
    const { id } = await svc.create({ config: { image: 'busybox', cmd: ['/nope'] }, hostConfig: {} });
    tasks.failNextCreate = errors.invalid('runc create failed: exec: "/nope": stat /nope: no such file or directory');
    await expect(svc.start(id)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await svc.inspect(id)).state).toMatchObject({ status: 'created', exitCode: 127 });
    expect(tasks.calls).toContain(`delete ${id}`);
  });

  it('reconciles after a restart: exits recorded while down are folded in, live tasks are kept', async () => {
    const a = (await svc.create({ name: 'ca', config: { image: 'busybox' }, hostConfig: {} })).id;
    const b = (await svc.create({ name: 'cb', config: { image: 'busybox' }, hostConfig: {} })).id;
    await svc.start(a);
    await svc.start(b);
    watching.abort();             // the daemon dies…
    tasks.exit(b, 42);            // …b exits while nobody watches
    await build();                // a new daemon on the same state
    await svc.reconcile();
    expect((await svc.inspect(a)).state.status).toBe('running');
    expect((await svc.inspect(b)).state).toMatchObject({ status: 'exited', exitCode: 42 });
  });

  it('rejects a duplicate name and an unknown image without leaving a record', async () => {
    await svc.create({ name: 'dup', config: { image: 'busybox' }, hostConfig: {} });
    await expect(svc.create({ name: 'dup', config: { image: 'busybox' }, hostConfig: {} })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(svc.create({ name: 'x', config: { image: 'nope' }, hostConfig: {} })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await svc.list({ all: true })).map((r) => r.name)).toEqual(['dup']);
  });
});
