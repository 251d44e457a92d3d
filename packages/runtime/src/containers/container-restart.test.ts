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
import type { RestartPolicy } from './container-types.js';

const IMAGE = { id: 'sha256:' + 'a'.repeat(64), chainId: null, config: { cmd: ['sh'], env: ['PATH=/bin'] } } as unknown as ImageRecord;
const noMount: Mounter = { mount: async () => undefined, unmount: async () => undefined };

let dir: string;
let tasks: FakeTaskManager;
let svc: LocalContainerService;
let watching: AbortController;
let actions: string[];

async function build() {
  const repo = await JsonContainerRepository.open(`${dir}/containers`);
  const events = new EventBus();
  actions = [];
  const ac = new AbortController();
  void (async () => { for await (const e of events.subscribe({ signal: ac.signal })) actions.push(e.action); })();
  svc = new LocalContainerService({
    repo, tasks, events, logger: silentLogger, mounter: noMount,
    images: { resolve: async (ref) => { if (ref === 'busybox' || ref === IMAGE.id) return IMAGE; throw errors.notFound('image', ref); } },
    snapshotter: new OverlaySnapshotter(`${dir}/overlay`),
    readLogs: async function* () { /* no logs */ },
    execRoot: `${dir}/exec`, cgroupParent: '/t', defaultPidsLimit: 2048, logMaxSize: 0,
  });
  watching = new AbortController();
  watching.signal.addEventListener('abort', () => ac.abort(), { once: true });
  void svc.watchExits(watching.signal);
}

beforeEach(async () => {
  dir = await mkdtemp('/tmp/bt-rst-');
  tasks = new FakeTaskManager();
  await build();
});
afterEach(async () => {
  watching.abort();
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); // a background write may still land
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
const state = async (id: string) => (await svc.inspect(id)).state;
const run = async (restartPolicy: RestartPolicy) => {
  const { id } = await svc.create({ config: { image: 'busybox' }, hostConfig: { restartPolicy } });
  await svc.start(id);
  return id;
};

describe('restart policies', () => {
  it('on-failure:2 restarts twice with backoff, then stays exited', async () => {
    const id = await run({ name: 'on-failure', maximumRetryCount: 2 });
    tasks.exit(id, 1);
    await until(async () => (await state(id)).status === 'running' && (await state(id)).restartCount === 1);
    tasks.exit(id, 1);
    await until(async () => (await state(id)).status === 'running' && (await state(id)).restartCount === 2);
    tasks.exit(id, 1);
    await sleep(600);
    expect(await state(id)).toMatchObject({ status: 'exited', restartCount: 2, exitCode: 1 });
    expect(actions.filter((a) => a === 'restart')).toHaveLength(2);
  });

  it('on-failure does not restart a clean exit; no never restarts', async () => {
    const a = await run({ name: 'on-failure', maximumRetryCount: 0 });
    const b = await run({ name: 'no', maximumRetryCount: 0 });
    tasks.exit(a, 0);
    tasks.exit(b, 1);
    await sleep(300);
    expect(await state(a)).toMatchObject({ status: 'exited', restartCount: 0 });
    expect(await state(b)).toMatchObject({ status: 'exited', restartCount: 0 });
  });

  it('always restarts a clean exit, but not after stop; a stop during the backoff cancels it', async () => {
    const id = await run({ name: 'always', maximumRetryCount: 0 });
    tasks.exit(id, 0);
    await until(async () => (await state(id)).status === 'running' && (await state(id)).restartCount === 1);
    await svc.stop(id, { timeoutSec: 1 });
    await sleep(300);
    expect(await state(id)).toMatchObject({ status: 'exited', restartCount: 1, manuallyStopped: true });

    await svc.start(id);
    expect(await state(id)).toMatchObject({ status: 'running', restartCount: 0, manuallyStopped: false });
    tasks.exit(id, 0);
    await until(async () => (await state(id)).status === 'restarting');
    expect(await svc.stop(id)).toEqual({ changed: true });
    await sleep(300);
    expect((await state(id)).status).toBe('exited');
  });

  it('kill with SIGKILL counts as a manual stop', async () => {
    const id = await run({ name: 'unless-stopped', maximumRetryCount: 0 });
    await svc.kill(id, 'KILL');
    await sleep(300);
    expect(await state(id)).toMatchObject({ status: 'exited', restartCount: 0 });
  });

  it('force-removes a container waiting for its restart', async () => {
    const id = await run({ name: 'always', maximumRetryCount: 0 });
    tasks.exit(id, 3);
    await until(async () => (await state(id)).status === 'restarting' || (await state(id)).restartCount > 0);
    await svc.remove(id, { force: true });
    await sleep(300);
    expect(await svc.list({ all: true })).toEqual([]);
  });

  it('update changes the policy; AutoRemove refuses one', async () => {
    const id = await run({ name: 'always', maximumRetryCount: 0 });
    await svc.update(id, { restartPolicy: { name: 'no', maximumRetryCount: 0 } });
    expect((await svc.inspect(id)).hostConfig.restartPolicy).toEqual({ name: 'no', maximumRetryCount: 0 });
    tasks.exit(id, 1);
    await sleep(300);
    expect((await state(id)).status).toBe('exited');
    const { id: rm } = await svc.create({ config: { image: 'busybox' }, hostConfig: { autoRemove: true } });
    await expect(svc.update(rm, { restartPolicy: { name: 'always', maximumRetryCount: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('after a daemon restart, always comes back even when stopped; unless-stopped only when it was not', async () => {
    const a = await run({ name: 'always', maximumRetryCount: 0 });
    const u = await run({ name: 'unless-stopped', maximumRetryCount: 0 });
    const s = await run({ name: 'unless-stopped', maximumRetryCount: 0 });
    await svc.stop(a);
    await svc.stop(s);
    watching.abort();
    tasks.exit(u, 0);              // exits while the daemon is down
    await build();
    await svc.reconcile();
    await until(async () => (await state(a)).status === 'running' && (await state(u)).status === 'running');
    expect((await state(s)).status).toBe('exited');
  });
});
