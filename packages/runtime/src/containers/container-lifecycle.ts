/**
 * @module containers/container-lifecycle
 * start, exit handling, stop, kill, pause/unpause and removal. Each operation follows one shape:
 * resolve → lock → re-read → decide() → act → transition(). Waiting for an exit never holds the
 * lock, because the exit handler needs it.
 */
import { removeAnonymousVolumes } from './container-mounts.js';
import { promises as fs } from 'node:fs';
import type { ContainerRecord } from './container-types.js';
import { ACTIVE, type ContainerContext } from './container-context.js';
import { decide } from './status.js';
import { prepareBundle, teardown } from './container-bundle.js';
import type { TaskExit } from '../task/task-manager.js';
import { codeOf, engineErrorOf, errors } from '../errors/engine-error.js';
import { parseSignal } from '../util/signals.js';
import type { OpResult } from '../services.js';
import { shouldRestart } from './restart-policy.js';

const KILL_WAIT_MS = 10_000;

/** Phase timings of one operation, logged at debug level: where a slow `run --rm` spends its time. */
function phaseTimer(ctx: ContainerContext, op: string, id: string) {
  const t0 = performance.now();
  let last = t0;
  const phases: Record<string, number> = {};
  return {
    mark(name: string) { const n = performance.now(); phases[name] = Math.round((n - last) * 10) / 10; last = n; },
    done() { ctx.deps.logger.debug(`${op} timing`, { id: id.slice(0, 12), totalMs: Math.round(performance.now() - t0), ...phases }); },
  };
}

function verdictOrThrow(op: Parameters<typeof decide>[0], rec: ContainerRecord, force = false): 'proceed' | 'noop' {
  const v = decide(op, rec.state.status, { force, name: rec.name });
  if (v.kind === 'reject') throw errors.conflict(v.reason, { id: rec.id });
  return v.kind;
}

/** Docker's exit code for a process that could not be started (the CLI uses these too). */
function startFailureExitCode(message: string): number {
  if (/no such file or directory|executable file not found|not found/i.test(message)) return 127;
  if (/permission denied/i.test(message)) return 126;
  return 128;
}

export async function startContainer(ctx: ContainerContext, ref: string): Promise<OpResult> {
  const id = ctx.resolve(ref).id;
  return ctx.locks.run(id, async () => {
    const rec = ctx.current(id, ref);
    if (verdictOrThrow('start', rec) === 'noop') return { changed: false };
    // moby's ResetRestartManager: a manual start forgets the backoff, the count and the manual stop.
    ctx.restarts.reset(id);
    rec.state = { ...rec.state, restartCount: 0, manuallyStopped: false };
    await startLocked(ctx, rec);
    return { changed: true };
  });
}

export async function startLocked(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const { tasks } = ctx.deps;
  const t = phaseTimer(ctx, 'start', rec.id);
  await ctx.transition(rec, 'starting', { error: '' });
  t.mark('persist');
  try {
    await fs.rm(ctx.bundleDir(rec.id), { recursive: true, force: true }).catch(() => undefined);
    await prepareBundle(ctx, rec);
    t.mark('bundle');
    await tasks.clearExit(rec.id);
    const { pid } = await tasks.create({
      id: rec.id, bundleDir: ctx.bundleDir(rec.id), logPath: rec.logPath, logMaxSize: ctx.deps.logMaxSize,
      tty: rec.config.tty, stdin: rec.config.openStdin, stdinOnce: rec.config.stdinOnce, name: rec.name,
    });
    if (rec.config.tty) {
      const [h, w] = rec.hostConfig.consoleSize;
      await tasks.resize(ctx.bundleDir(rec.id), { rows: h > 0 ? h : 24, cols: w > 0 ? w : 80 }).catch(() => undefined);
    }
    t.mark('create');
    await connectPendingAttach(ctx, rec);
    t.mark('attach');
    await tasks.start(rec.id);
    t.mark('runcStart');
    rec.generation += 1;
    await ctx.transition(rec, 'running', { pid, startedAt: new Date().toISOString(), exitCode: 0, oomKilled: false, finishedAt: rec.state.finishedAt }, { action: 'start' });
    t.mark('persist2');
    t.done();
  } catch (err) {
    await teardown(ctx, rec);
    const message = engineErrorOf(err)?.message ?? (err as Error).message;
    const exitCode = startFailureExitCode(message);
    await ctx.transition(rec, rec.state.startedAt ? 'exited' : 'created', { pid: 0, exitCode, error: message, finishedAt: new Date().toISOString() });
    for (const s of ctx.pendingAttach.get(rec.id) ?? []) s.finish();
    ctx.pendingAttach.delete(rec.id);
    ctx.waits.exited(rec.id, { exitCode, error: message });
    // Like moby: an --rm container that could not start is not left behind.
    if (rec.hostConfig.autoRemove) await removeLocked(ctx, rec.id).catch(() => undefined);
    if (codeOf(err) === 'INTERNAL' && !engineErrorOf(err)) throw errors.internal(`failed to start container ${rec.id.slice(0, 12)}: ${message}`, err);
    throw err;
  }
}

async function connectPendingAttach(ctx: ContainerContext, rec: ContainerRecord): Promise<void> {
  const sessions = ctx.pendingAttach.get(rec.id);
  if (!sessions?.size) return;
  ctx.pendingAttach.delete(rec.id);
  for (const s of sessions) {
    if (s.isDetached) continue;
    try {
      s.connect(await ctx.deps.tasks.attach(rec.id, ctx.bundleDir(rec.id)));
    } catch (err) {
      ctx.deps.logger.warn('attach before start failed', { id: rec.id, err });
      s.finish();
    }
  }
}

/** Folds an observed task exit into the record. Runs under the container's lock. */
export async function handleExit(ctx: ContainerContext, exit: TaskExit): Promise<void> {
  await ctx.locks.run(exit.id, async () => {
    const rec = ctx.deps.repo.get(exit.id);
    if (!rec || !ACTIVE.includes(rec.state.status)) return;
    if (await isStaleExit(ctx, rec, exit)) return;
    const t = phaseTimer(ctx, 'exit', rec.id);
    // The exit is recorded and reported first; the cleanup (runc delete, umount, netns) follows
    // under the same lock, so a `start` or `rm` that comes next still waits for it.
    await ctx.transition(rec, 'exited', {
      pid: 0, exitCode: exit.exitCode, finishedAt: exit.exitedAt, oomKilled: exit.oomKilled,
    }, { action: 'die', attributes: { exitCode: String(exit.exitCode) } });
    if (exit.oomKilled) ctx.publish(rec, 'oom');
    for (const s of ctx.pendingAttach.get(rec.id) ?? []) s.finish();
    ctx.pendingAttach.delete(rec.id);
    ctx.waits.exited(rec.id, { exitCode: exit.exitCode });
    t.mark('persist');
    if (rec.hostConfig.autoRemove) await removeLocked(ctx, rec.id, { reportFirst: true, teardown: true });
    else await teardown(ctx, rec);
    t.mark(rec.hostConfig.autoRemove ? 'autoRemove' : 'teardown');
    if (!rec.hostConfig.autoRemove) await scheduleRestart(ctx, rec, exit.exitCode);
    t.done();
  });
}

/**
 * An exit file read before a (boot) restart can reach us after the new start: it predates
 * `startedAt` while the task runs. Only such early exits pay for the runc state check.
 */
async function isStaleExit(ctx: ContainerContext, rec: ContainerRecord, exit: TaskExit): Promise<boolean> {
  const started = rec.state.startedAt ? Date.parse(rec.state.startedAt) : NaN;
  if (!(Date.parse(exit.exitedAt) < started)) return false;
  const st = await ctx.deps.tasks.state(rec.id).catch(() => undefined);
  const stale = st?.status === 'running' || st?.status === 'paused';
  if (stale) ctx.deps.logger.debug('ignoring an exit from before the last start', { id: rec.id, exitedAt: exit.exitedAt });
  return stale;
}

/** Applies the restart policy after an exit: exited → restarting, and a timer for the start. */
async function scheduleRestart(ctx: ContainerContext, rec: ContainerRecord, exitCode: number): Promise<void> {
  const startedAt = rec.state.startedAt ? Date.parse(rec.state.startedAt) : NaN;
  const finishedAt = rec.state.finishedAt ? Date.parse(rec.state.finishedAt) : Date.now();
  const d = shouldRestart(rec.hostConfig.restartPolicy, {
    exitCode, restartCount: rec.state.restartCount, stoppedByUser: !!rec.state.manuallyStopped,
    ranMs: Number.isFinite(startedAt) ? finishedAt - startedAt : 0, previousDelayMs: ctx.restarts.lastDelay(rec.id),
  });
  if (!d.restart) return;
  // Like moby's monitor: the count goes up when the restart is decided, shown while restarting.
  await ctx.transition(rec, 'restarting', { restartCount: rec.state.restartCount + 1 });
  ctx.restarts.schedule(rec.id, d.delayMs, () => restartNow(ctx, rec.id));
}

/** The timer's half: starts the container unless a stop or rm came first. */
export async function restartNow(ctx: ContainerContext, id: string): Promise<void> {
  await ctx.locks.run(id, async () => {
    const rec = ctx.deps.repo.get(id);
    if (!rec || rec.state.status !== 'restarting') return;
    await startLocked(ctx, rec);
    ctx.publish(rec, 'restart');
  }).catch((err) => ctx.deps.logger.warn('automatic restart failed', { id, err }));
}

function timeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<'timeout'>((r) => { t = setTimeout(() => r('timeout'), ms); })]).finally(() => clearTimeout(t));
}

async function signalTask(ctx: ContainerContext, rec: ContainerRecord, signal: string): Promise<void> {
  try {
    await ctx.deps.tasks.kill(rec.id, signal, { all: false });
  } catch (err) {
    // The process may have exited between our check and the signal; the exit handler takes over.
    if (codeOf(err) !== 'NOT_FOUND' && codeOf(err) !== 'CONFLICT') throw err;
  }
}

export async function stopContainer(ctx: ContainerContext, ref: string, opts: { timeoutSec?: number; signal?: string } = {}): Promise<OpResult> {
  const id = ctx.resolve(ref).id;
  let exited: Promise<unknown> | undefined;
  let grace = 10;
  const result = await ctx.locks.run(id, async (): Promise<OpResult> => {
    const rec = ctx.current(id, ref);
    if (verdictOrThrow('stop', rec) === 'noop') return { changed: false };
    ctx.restarts.cancel(id);
    if (rec.state.status === 'restarting') {
      await ctx.transition(rec, 'exited', { manuallyStopped: true }, { action: 'stop' });
      return { changed: true };
    }
    const sig = opts.signal || rec.config.stopSignal || 'TERM';
    parseSignal(sig);
    grace = opts.timeoutSec ?? rec.config.stopTimeout ?? 10;
    exited = ctx.waits.add(id, 'next-exit');
    const wasPaused = rec.state.status === 'paused';
    await ctx.transition(rec, 'stopping', { manuallyStopped: true });
    await signalTask(ctx, rec, grace === 0 ? 'KILL' : sig);
    if (wasPaused) await ctx.deps.tasks.resume(id).catch(() => undefined);
    return { changed: true };
  });
  if (!exited) return result;
  if (grace < 0 || (await timeout(exited, grace * 1000)) !== 'timeout') return result;
  await ctx.locks.run(id, async () => {
    const rec = ctx.deps.repo.get(id);
    if (rec && ACTIVE.includes(rec.state.status)) await signalTask(ctx, rec, 'KILL');
  });
  if ((await timeout(exited, KILL_WAIT_MS)) === 'timeout') throw errors.unavailable(`container ${id.slice(0, 12)} did not exit after SIGKILL`);
  return result;
}

export async function killContainer(ctx: ContainerContext, ref: string, signal = 'KILL'): Promise<void> {
  const n = parseSignal(signal);
  const id = ctx.resolve(ref).id;
  let exited: Promise<unknown> | undefined;
  await ctx.locks.run(id, async () => {
    const rec = ctx.current(id, ref);
    verdictOrThrow('kill', rec);
    // moby's killWithSignal: SIGKILL, or the stop signal (any signal when none is set), cancels the
    // restart policy for this exit.
    const stopSig = rec.config.stopSignal ? parseSignal(rec.config.stopSignal) : undefined;
    if ((n === 9 || stopSig === undefined || stopSig === n) && !rec.state.manuallyStopped) {
      rec.state = { ...rec.state, manuallyStopped: true };
      await ctx.deps.repo.put(rec);
    }
    if (n === 9) exited = ctx.waits.add(id, 'next-exit');
    await signalTask(ctx, rec, String(n));
    if (n === 9 && rec.state.status === 'paused') await ctx.deps.tasks.resume(id).catch(() => undefined);
  });
  // Like moby, a SIGKILL returns once the container is really down.
  if (exited) await timeout(exited, KILL_WAIT_MS);
}

export async function pauseContainer(ctx: ContainerContext, ref: string, pause: boolean): Promise<void> {
  const id = ctx.resolve(ref).id;
  await ctx.locks.run(id, async () => {
    const rec = ctx.current(id, ref);
    verdictOrThrow(pause ? 'pause' : 'unpause', rec);
    if (pause) await ctx.deps.tasks.pause(id); else await ctx.deps.tasks.resume(id);
    await ctx.transition(rec, pause ? 'paused' : 'running', {}, { action: pause ? 'pause' : 'unpause' });
  });
}

export async function removeContainer(ctx: ContainerContext, ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
  const id = ctx.resolve(ref).id;
  let exited: Promise<unknown> | undefined;
  await ctx.locks.run(id, async () => {
    const rec = ctx.current(id, ref);
    verdictOrThrow('remove', rec, opts.force);
    ctx.restarts.reset(id);
    if (ACTIVE.includes(rec.state.status)) {
      exited = ctx.waits.add(id, 'next-exit');
      await signalTask(ctx, rec, 'KILL');
      if (rec.state.status === 'paused') await ctx.deps.tasks.resume(id).catch(() => undefined);
    }
  });
  if (exited && (await timeout(exited, KILL_WAIT_MS)) === 'timeout') {
    throw errors.unavailable(`could not kill running container ${id.slice(0, 12)}, cannot remove`);
  }
  await ctx.locks.run(id, () => removeLocked(ctx, id, { volumes: opts.volumes ?? false }));
}

/**
 * Removes a container. By default the host resources go first and the record last, and a failure
 * leaves the container `dead` (Docker's behaviour for `rm`). With `reportFirst` (auto-remove on
 * exit) the record goes first so `run --rm` returns without waiting for the cleanup; a crash in
 * between leaves orphans that boot reconciliation removes (`removeOrphans`).
 */
export async function removeLocked(ctx: ContainerContext, id: string, opts: { reportFirst?: boolean; teardown?: boolean; volumes?: boolean } = {}): Promise<void> {
  const rec = ctx.deps.repo.get(id);
  if (!rec) return;
  const { repo, logger } = ctx.deps;
  // An exited or never-started container was already torn down by its exit (or failed start).
  const needsTeardown = opts.teardown ?? !['created', 'exited', 'restarting'].includes(rec.state.status);
  ctx.restarts.reset(id);
  const forget = async () => {
    await repo.delete(id);
    for (const s of ctx.pendingAttach.get(id) ?? []) s.finish();
    ctx.pendingAttach.delete(id);
    ctx.waits.removed(id, { exitCode: rec.state.exitCode });
    ctx.publish(rec, 'destroy');
    // `rm -v`, and always for auto-remove (Docker's `--rm`): anonymous volumes go with the container.
    if (opts.volumes ?? rec.hostConfig.autoRemove) {
      await removeAnonymousVolumes(ctx.deps.volumes, rec, repo.all()).catch((err) => logger.warn('removing anonymous volumes failed', { id, err }));
    }
  };
  if (opts.reportFirst) {
    await forget();
    await releaseHost(ctx, rec, needsTeardown).catch((err) => logger.error('cleanup after auto-remove failed', { id, err }));
    return;
  }
  if (rec.state.status !== 'removing') await ctx.transition(rec, 'removing');
  try {
    await releaseHost(ctx, rec, needsTeardown);
  } catch (err) {
    logger.error('container removal failed', { id, err });
    await ctx.transition(rec, 'dead', { error: `removal failed: ${(err as Error).message}` });
    throw err;
  }
  await forget();
}

async function releaseHost(ctx: ContainerContext, rec: ContainerRecord, withTeardown: boolean): Promise<void> {
  const { snapshotter, tasks } = ctx.deps;
  if (withTeardown) await teardown(ctx, rec);
  if (await snapshotter.exists(rec.snapshotKey)) await snapshotter.remove(rec.snapshotKey);
  await tasks.clearExit(rec.id).catch(() => undefined);
  await fs.rm(ctx.bundleDir(rec.id), { recursive: true, force: true });
}

/** Host leftovers of containers that have no record (a crash during an auto-remove). */
export async function removeOrphans(ctx: ContainerContext): Promise<void> {
  const { snapshotter, repo, tasks, mounter, logger } = ctx.deps;
  for await (const snap of snapshotter.walk()) {
    if (snap.kind !== 'active' || !/^[0-9a-f]{64}$/.test(snap.key) || repo.get(snap.key)) continue;
    const id = snap.key;
    logger.warn('removing the leftovers of a removed container', { id });
    await tasks.delete(id).catch(() => undefined);
    await mounter.unmount(ctx.rootfsDir(id)).catch(() => undefined);
    await snapshotter.remove(id).catch((err) => logger.warn('orphan snapshot removal failed', { id, err }));
    await tasks.clearExit(id).catch(() => undefined);
    await fs.rm(ctx.bundleDir(id), { recursive: true, force: true }).catch(() => undefined);
  }
}
