import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { LocalContainerService } from './container-service.js';
import { JsonContainerRepository } from '../metadata/container-repository.js';
import { OverlaySnapshotter } from '../snapshots/overlay-snapshotter.js';
import { FakeTaskManager } from '../task/fake/fake-task-manager.js';
import { EventBus } from '../events/event-bus.js';
import { AsyncQueue } from '../util/async-queue.js';
import { silentLogger } from '../util/logger.js';
import type { ExecHandle, ExecProcessSpec } from '../task/task-manager.js';
import type { OutputChunk } from './container-types.js';
import type { ImageRecord } from '../images/image-types.js';
import type { Mounter } from '../snapshots/snapshotter.js';

const IMAGE = { id: 'sha256:' + 'b'.repeat(64), chainId: null, config: { cmd: ['sh'], env: ['PATH=/bin'] } } as unknown as ImageRecord;
const noMount: Mounter = { mount: async () => undefined, unmount: async () => undefined };

/** Probes answer with `exitCode` and print `probe <n>`; every probe's argv is recorded. */
class ProbeTasks extends FakeTaskManager {
  exitCode = 1;
  probes: string[][] = [];
  override async exec(_id: string, proc: ExecProcessSpec): Promise<ExecHandle> {
    this.probes.push(proc.args);
    const output = new AsyncQueue<OutputChunk>();
    output.push({ stream: 'stdout', data: Buffer.from(`probe ${this.probes.length}\n`) });
    output.end();
    return { pid: Promise.resolve(100), stdin: null, output, exit: Promise.resolve(this.exitCode), kill: () => undefined };
  }
}

let dir: string;
let tasks: ProbeTasks;
let svc: LocalContainerService;
let watching: AbortController;
let actions: string[];

beforeEach(async () => {
  dir = await mkdtemp('/tmp/bt-hm-');
  tasks = new ProbeTasks();
  const events = new EventBus();
  actions = [];
  watching = new AbortController();
  void (async () => { for await (const e of events.subscribe({ signal: watching.signal })) actions.push(e.action); })();
  svc = new LocalContainerService({
    repo: await JsonContainerRepository.open(`${dir}/containers`), tasks, events, logger: silentLogger, mounter: noMount,
    images: { resolve: async () => IMAGE }, snapshotter: new OverlaySnapshotter(`${dir}/overlay`),
    readLogs: async function* () { /* no logs */ },
    execRoot: `${dir}/exec`, cgroupParent: '/t', defaultPidsLimit: 2048, logMaxSize: 0,
  });
  void svc.watchExits(watching.signal);
});
afterEach(async () => {
  watching.abort();
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => Promise<boolean>, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
const health = async (id: string) => (await svc.inspect(id)).state.health;

describe('health monitor', () => {
  it('probes through exec, goes unhealthy then healthy with events, and stops when the container exits', async () => {
    const { id } = await svc.create({ config: { image: 'busybox', healthcheck: { test: ['CMD-SHELL', 'check'], interval: 20e6, retries: 2 } }, hostConfig: {} });
    await svc.start(id);
    await until(async () => (await health(id))?.status === 'unhealthy');
    expect(tasks.probes[0]).toEqual(['/bin/sh', '-c', 'check']);
    expect((await health(id))!.log[0]).toMatchObject({ exitCode: 1, output: 'probe 1\n' });
    expect((await svc.list({ health: ['unhealthy'] })).map((r) => r.id)).toEqual([id]);
    tasks.exitCode = 0;
    await until(async () => (await health(id))?.status === 'healthy');
    expect(actions).toContain('health_status: unhealthy');
    expect(actions).toContain('health_status: healthy');
    expect((await health(id))!.log.length).toBeLessThanOrEqual(5);
    tasks.exit(id, 0);
    await until(async () => (await svc.inspect(id)).state.status === 'exited');
    await sleep(50);
    expect(svc.health.isProbing(id)).toBe(false);
    const n = tasks.probes.length;
    await sleep(100);
    expect(tasks.probes.length).toBe(n);
  });

  it('does not probe without a check or with NONE', async () => {
    const { id } = await svc.create({ config: { image: 'busybox', healthcheck: { test: ['NONE'] } }, hostConfig: {} });
    await svc.start(id);
    await sleep(100);
    expect(tasks.probes).toEqual([]);
    expect(await health(id)).toBeUndefined();
    expect((await svc.list({ health: ['none'] })).map((r) => r.id)).toEqual([id]);
  });
});
