/**
 * @module containers/container-service
 * LocalContainerService: the ContainerService both transports call. Lifecycle operations live in
 * container-lifecycle.ts; this file holds lookups, listing, attach, logs, wait, rename and the
 * boot reconciliation.
 */
import type {
  AttachOptions, AttachSession, ContainerCreateSpec, ContainerDetail, ContainerFilter, ContainerRecord,
  ContainerSummary, LogEntry, LogOptions, WaitCondition, WaitResult,
} from './container-types.js';
import type { ContainerService, OpResult } from '../services.js';
import { ACTIVE, ContainerContext, type ContainerDeps } from './container-context.js';
import { createContainer } from './container-create.js';
import {
  handleExit, killContainer, pauseContainer, removeContainer, removeLocked, removeOrphans, restartNow, startContainer, stopContainer,
} from './container-lifecycle.js';
import { shouldStartOnBoot } from './restart-policy.js';
import { DOCKER_STATE, decide } from './status.js';
import { PendingAttachSession } from './attach-session.js';
import { validateName } from '../ids/container-id.js';
import { errors } from '../errors/engine-error.js';
import { teardown } from './container-bundle.js';
import { commitContainer, containerChanges, exportContainer } from './container-commit.js';
import type { CommitOptions } from './commit-types.js';
import { topContainer } from './container-top.js';
import { statsContainer, type StatsOptions } from './container-stats.js';
import type { Readable } from 'node:stream';
import { getContainerArchive, putContainerArchive, statContainerPath } from './container-archive.js';
import type { PutArchiveOptions } from './container-archive-types.js';
import { pruneContainers } from './container-prune.js';
import type { PruneFilters } from './prune-filter.js';
import { updateContainer, type ContainerUpdatePatch } from './container-update.js';
import { HealthMonitor } from './health-monitor.js';
import { StatsHistory, type StatsHistoryOptions } from './stats-history.js';
import { hasHealthcheck } from './health-config.js';

export class LocalContainerService implements ContainerService {
  readonly ctx: ContainerContext;
  /** Containers the restart policy brings back once the daemon is up (found by reconcile). */
  private bootRestarts: string[] = [];
  private exitsWatched = false;
  /** Healthcheck probe loops (started with the exit watcher). */
  readonly health: HealthMonitor;
  /** Per-container 1 h / 24 h resource rings for the dashboard. */
  readonly history: StatsHistory;

  constructor(deps: ContainerDeps) {
    this.ctx = new ContainerContext(deps);
    this.health = new HealthMonitor(this.ctx);
    this.history = new StatsHistory(this.ctx);
  }

  /** Rolling stats of one container (Berth extension; the dashboard charts it). */
  async statsHistory(ref: string, opts: StatsHistoryOptions = {}) {
    return this.history.history(this.ctx.resolve(ref).id, opts);
  }

  create(spec: ContainerCreateSpec) { return createContainer(this.ctx, spec); }
  start(ref: string) { return startContainer(this.ctx, ref); }
  stop(ref: string, opts?: { timeoutSec?: number; signal?: string }) { return stopContainer(this.ctx, ref, opts); }
  kill(ref: string, signal?: string) { return killContainer(this.ctx, ref, signal); }
  pause(ref: string) { return pauseContainer(this.ctx, ref, true); }
  unpause(ref: string) { return pauseContainer(this.ctx, ref, false); }
  remove(ref: string, opts?: { force?: boolean; volumes?: boolean }) { return removeContainer(this.ctx, ref, opts); }
  top(ref: string, psArgs?: string) { return topContainer(this.ctx, ref, psArgs); }
  stats(ref: string, opts: StatsOptions) { return statsContainer(this.ctx, ref, opts); }
  changes(ref: string) { return containerChanges(this.ctx, ref); }
  export(ref: string, opts?: { signal?: AbortSignal }) { return exportContainer(this.ctx, ref, opts); }
  commit(ref: string, opts: CommitOptions) { return commitContainer(this.ctx, ref, opts); }
  statPath(ref: string, p: string) { return statContainerPath(this.ctx, ref, p); }
  getArchive(ref: string, p: string, opts?: { signal?: AbortSignal }) { return getContainerArchive(this.ctx, ref, p, opts); }
  putArchive(ref: string, p: string, tar: Readable, opts?: PutArchiveOptions) { return putContainerArchive(this.ctx, ref, p, tar, opts); }
  prune(filters?: PruneFilters) { return pruneContainers(this.ctx, filters); }

  async restart(ref: string, opts?: { timeoutSec?: number; signal?: string }): Promise<void> {
    const rec = this.ctx.resolve(ref);
    const v = decide('restart', rec.state.status, { name: rec.name });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    await stopContainer(this.ctx, rec.id, opts);
    await startContainer(this.ctx, rec.id);
    this.ctx.publish(this.ctx.current(rec.id, ref), 'restart');
  }

  async rename(ref: string, newName: string): Promise<void> {
    const name = validateName(newName);
    const id = this.ctx.resolve(ref).id;
    await this.ctx.locks.run(id, async () => {
      const rec = this.ctx.current(id, ref);
      if (rec.name === name) throw errors.invalid(`Renaming a container with the same name as its current name`);
      const holder = this.ctx.nameTaken(name);
      if (holder || this.ctx.reservedNames.has(name)) {
        throw errors.conflict(`Conflict. The container name "/${name}" is already in use by container "${holder?.id ?? ''}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
      const old = rec.name;
      rec.name = name;
      await this.ctx.deps.repo.put(rec);
      this.ctx.publish(rec, 'rename', { oldName: `/${old}` });
    });
  }

  update(ref: string, patch: ContainerUpdatePatch): Promise<{ warnings: string[] }> { return updateContainer(this.ctx, ref, patch); }

  async wait(ref: string, cond: WaitCondition, opts: { signal?: AbortSignal } = {}): Promise<{ done: Promise<WaitResult> }> {
    const rec = this.ctx.resolve(ref);
    if (cond === 'not-running' && !ACTIVE.includes(rec.state.status) && rec.state.status !== 'restarting') {
      return { done: Promise.resolve({ exitCode: rec.state.exitCode, ...(rec.state.error ? { error: rec.state.error } : {}) }) };
    }
    return { done: this.ctx.waits.add(rec.id, cond, opts.signal) };
  }

  async inspect(ref: string): Promise<ContainerDetail> {
    const rec = this.ctx.resolve(ref);
    const { snapshotter, repo } = this.ctx.deps;
    const data: Record<string, string> = {};
    try {
      const upper = await snapshotter.upperDir(rec.snapshotKey);
      const lowers = await snapshotter.lowerDirs(rec.snapshotKey);
      Object.assign(data, {
        LowerDir: lowers.join(':'), UpperDir: upper, WorkDir: upper.replace(/\/fs$/, '/work'), MergedDir: this.ctx.rootfsDir(rec.id),
      });
    } catch { /* snapshot gone: a dead container */ }
    const dir = repo.dir(rec.id);
    return {
      ...rec,
      graphDriver: { name: 'overlay2', data },
      resolvConfPath: `${dir}/resolv.conf`, hostnamePath: `${dir}/hostname`, hostsPath: `${dir}/hosts`,
    };
  }

  async list(filter: ContainerFilter = {}): Promise<ContainerSummary[]> {
    let recs = this.ctx.deps.repo.all().sort((a, b) => b.created.localeCompare(a.created));
    const all = filter.all || !!filter.statuses?.length || filter.limit !== undefined && filter.limit > 0;
    if (!all) recs = recs.filter((r) => ['running', 'paused', 'restarting', 'stopping', 'starting'].includes(r.state.status));
    if (filter.ids?.length) recs = recs.filter((r) => filter.ids!.some((p) => r.id.startsWith(p)));
    if (filter.names?.length) recs = recs.filter((r) => filter.names!.some((n) => safeRegex(n).test(`/${r.name}`)));
    if (filter.labels?.length) recs = recs.filter((r) => filter.labels!.every((l) => matchLabel(r.config.labels, l)));
    if (filter.statuses?.length) recs = recs.filter((r) => filter.statuses!.includes(DOCKER_STATE[r.state.status]));
    if (filter.health?.length) recs = recs.filter((r) => filter.health!.includes(healthStatus(r)));
    if (filter.exited?.length) recs = recs.filter((r) => r.state.status === 'exited' && filter.exited!.includes(r.state.exitCode));
    if (filter.ancestors?.length) {
      const ids = await Promise.all(filter.ancestors.map((a) => this.ctx.deps.images.resolve(a).then((i) => i.id, () => undefined)));
      recs = recs.filter((r) => filter.ancestors!.includes(r.config.image) || ids.includes(r.image as never));
    }
    if (filter.before) { const b = this.ctx.resolve(filter.before); recs = recs.filter((r) => r.created < b.created); }
    if (filter.since) { const s = this.ctx.resolve(filter.since); recs = recs.filter((r) => r.created > s.created); }
    if (filter.limit && filter.limit > 0) recs = recs.slice(0, filter.limit);
    return recs;
  }

  async logs(ref: string, opts: LogOptions): Promise<{ tty: boolean; entries: AsyncIterable<LogEntry> }> {
    const rec = this.ctx.resolve(ref);
    const repo = this.ctx.deps.repo;
    const entries = this.ctx.deps.readLogs(rec.logPath, {
      follow: !!opts.follow, since: opts.since, until: opts.until, tail: opts.tail ?? 'all',
      stdout: opts.stdout ?? true, stderr: opts.stderr ?? true, signal: opts.signal, coalesce: opts.coalesce,
      isRunning: () => {
        const r = repo.get(rec.id);
        return !!r && (ACTIVE.includes(r.state.status) || r.state.status === 'restarting');
      },
    });
    return { tty: rec.config.tty, entries };
  }

  async attach(ref: string, opts: AttachOptions): Promise<AttachSession> {
    const rec = this.ctx.resolve(ref);
    const v = decide('attach', rec.state.status, { name: rec.name });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    const session = new PendingAttachSession(rec.config.tty, { stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr }, (s) => {
      this.ctx.pendingAttach.get(rec.id)?.delete(s);
    });
    if (opts.logs) {
      const { entries } = await this.logs(rec.id, { follow: false, stdout: opts.stdout, stderr: opts.stderr });
      for await (const e of entries) session.pushOutput({ stream: e.stream, data: e.data });
    }
    if (opts.stream === false) { session.finish(); return session; }
    await this.ctx.locks.run(rec.id, async () => {
      const cur = this.ctx.current(rec.id, ref);
      if (cur.state.status === 'running' || cur.state.status === 'stopping') {
        try {
          session.connect(await this.ctx.deps.tasks.attach(cur.id, this.ctx.bundleDir(cur.id)));
        } catch {
          session.finish();
        }
      } else {
        let set = this.ctx.pendingAttach.get(cur.id);
        if (!set) this.ctx.pendingAttach.set(cur.id, (set = new Set()));
        set.add(session);
      }
    });
    return session;
  }

  async resize(ref: string, size: { rows: number; cols: number }): Promise<void> {
    const rec = this.ctx.resolve(ref);
    if (!ACTIVE.includes(rec.state.status)) throw errors.conflict(`Container ${rec.id.slice(0, 12)} is not running`);
    if (!rec.config.tty) return;
    await this.ctx.deps.tasks.resize(this.ctx.bundleDir(rec.id), size);
  }

  /** Consumes task exits until `signal` aborts. */
  async watchExits(signal: AbortSignal): Promise<void> {
    this.exitsWatched = true;
    this.flushBootRestarts();
    void this.health.run(signal).catch((err) => this.ctx.deps.logger.error('health monitor failed', { err }));
    this.history.start(signal);
    signal.addEventListener('abort', () => this.ctx.restarts.cancelAll(), { once: true });
    for await (const exit of this.ctx.deps.tasks.exits(signal)) {
      await handleExit(this.ctx, exit).catch((err) => this.ctx.deps.logger.error('exit handling failed', { id: exit.id, err }));
    }
  }

  /**
   * Boot reconciliation: folds in what happened while the daemon was down, so no record is left in
   * a transient state. Running tasks whose conmon is alive are kept as they are (live restore).
   */
  async reconcile(): Promise<void> {
    const { repo, tasks, logger } = this.ctx.deps;
    for (const rec of repo.all()) {
      await this.ctx.locks.run(rec.id, async () => {
        const bundle = this.ctx.bundleDir(rec.id);
        switch (rec.state.status) {
          case 'removing': case 'dead':
            await removeLocked(this.ctx, rec.id).catch((err) => logger.warn('retrying removal failed', { id: rec.id, err }));
            return;
          case 'restarting':
            await this.ctx.transition(rec, 'exited');
            return;
          case 'created': case 'exited':
            return;
        }
        const exit = await tasks.readExit(rec.id, bundle);
        if (exit) return void (await this.handleExitUnlocked(rec, exit));
        const state = rec.state.status === 'starting' ? undefined : await tasks.state(rec.id).catch(() => undefined);
        if (state && (await tasks.monitorAlive(bundle)) && (state.status === 'running' || state.status === 'paused')) {
          if (rec.state.status !== state.status) await this.ctx.transition(rec, state.status === 'paused' ? 'paused' : 'running');
          await tasks.adopt({ id: rec.id, bundleDir: bundle, logPath: rec.logPath, logMaxSize: this.ctx.deps.logMaxSize });
          return;
        }
        logger.warn('container lost its monitor while the daemon was down', { id: rec.id });
        await teardown(this.ctx, rec);
        await this.ctx.transition(rec, 'exited', {
          pid: 0, exitCode: 255, finishedAt: new Date().toISOString(),
          error: rec.state.status === 'starting' ? 'container start was interrupted by a daemon restart' : 'container monitor exited without an exit status',
        });
      });
    }
    await removeOrphans(this.ctx);
    for (const rec of repo.all()) {
      if (rec.state.status !== 'exited' || !rec.state.startedAt || rec.hostConfig.autoRemove) continue;
      const facts = { exitCode: rec.state.exitCode, restartCount: rec.state.restartCount, stoppedByUser: !!rec.state.manuallyStopped };
      if (!shouldStartOnBoot(rec.hostConfig.restartPolicy, facts)) continue;
      await this.ctx.locks.run(rec.id, () => this.ctx.transition(rec, 'restarting', { restartCount: rec.state.restartCount + 1 }));
      this.bootRestarts.push(rec.id);
    }
    if (this.exitsWatched) this.flushBootRestarts();
  }

  /** Boot restarts wait for the exit watcher: networking and port publishing are reconciled by then. */
  private flushBootRestarts(): void {
    for (const id of this.bootRestarts.splice(0)) this.ctx.restarts.schedule(id, 0, () => restartNow(this.ctx, id));
  }

  private async handleExitUnlocked(rec: ContainerRecord, exit: { exitCode: number; exitedAt: string; oomKilled: boolean }): Promise<void> {
    await teardown(this.ctx, rec);
    await this.ctx.transition(rec, 'exited', { pid: 0, exitCode: exit.exitCode, finishedAt: exit.exitedAt, oomKilled: exit.oomKilled },
      { action: 'die', attributes: { exitCode: String(exit.exitCode) } });
    if (rec.hostConfig.autoRemove) await removeLocked(this.ctx, rec.id, { teardown: false });
  }
}

/** Docker's health filter value; a running container whose first probe is pending is `starting`. */
function healthStatus(r: ContainerRecord): string {
  if (!hasHealthcheck(r)) return 'none';
  return r.state.health?.status ?? 'starting';
}

function safeRegex(s: string): RegExp {
  try { return new RegExp(s); } catch { return new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); }
}

function matchLabel(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return filter in labels;
  return labels[filter.slice(0, i)] === filter.slice(i + 1);
}

export type { OpResult };
