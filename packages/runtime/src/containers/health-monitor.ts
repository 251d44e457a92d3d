/**
 * @module containers/health-monitor
 * Runs healthchecks (moby daemon/health.go). One probe loop per running container that has a
 * check: wait the interval (the start interval while still `starting` inside the start period),
 * run the test through plain `runc exec` (the cheap exec path, no conmon), fold the result into
 * State.Health under the container's lock, persist, and publish `health_status: <status>` when the
 * status changes. Loops start on the `start` event and for containers already running when the
 * monitor starts (so probing resumes after a daemon restart); they end on exit, removal or abort.
 */
import type { ContainerContext } from './container-context.js';
import type { ContainerRecord, HealthLogEntry } from './container-types.js';
import type { ExecProcessSpec } from '../task/task-manager.js';
import { containerEnv, effectiveCapabilities } from './oci-spec.js';
import { noNewPrivileges } from './limits.js';
import { resolveUser } from './rootfs-paths.js';
import { MAX_OUTPUT_LEN, foldProbe, goDuration, probeCommand, startingHealth, timings, type ProbeTimings } from './health-config.js';

const PROBING = new Set(['running', 'paused']);

export class HealthMonitor {
  /** container id → the abort of its probe loop. */
  private readonly loops = new Map<string, AbortController>();

  constructor(private readonly ctx: ContainerContext) {}

  /** Follows container events until `signal` aborts; probes what is running now. */
  async run(signal: AbortSignal): Promise<void> {
    const events = this.ctx.deps.events.subscribe({ signal, filter: (e) => e.type === 'container' && ['start', 'die', 'destroy'].includes(e.action) });
    signal.addEventListener('abort', () => this.stopAll(), { once: true });
    for (const rec of this.ctx.deps.repo.all()) {
      if (PROBING.has(rec.state.status) && probeCommand(rec.config.healthcheck)) this.begin(rec.id, false);
    }
    for await (const e of events) {
      if (e.action === 'start') this.begin(e.actor.id, true);
      else this.stop(e.actor.id);
    }
  }

  stop(id: string): void {
    this.loops.get(id)?.abort();
    this.loops.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.loops.keys()]) this.stop(id);
  }

  isProbing(id: string): boolean {
    return this.loops.has(id);
  }

  private begin(id: string, fresh: boolean): void {
    const rec = this.ctx.deps.repo.get(id);
    if (!rec || !probeCommand(rec.config.healthcheck)) return;
    this.stop(id);
    const ac = new AbortController();
    this.loops.set(id, ac);
    void this.loop(id, fresh, ac.signal).catch((err) => {
      this.ctx.deps.logger.warn('health monitor stopped', { id, err });
    }).finally(() => {
      if (this.loops.get(id)?.signal === ac.signal) this.loops.delete(id);
    });
  }

  private async loop(id: string, fresh: boolean, signal: AbortSignal): Promise<void> {
    const rec0 = this.ctx.deps.repo.get(id)!;
    const t = timings(rec0.config.healthcheck!);
    if (fresh || !rec0.state.health) {
      await this.ctx.locks.run(id, async () => {
        const r = this.ctx.deps.repo.get(id);
        if (!r || signal.aborted) return;
        r.state = { ...r.state, health: startingHealth() };
        await this.ctx.deps.repo.put(r);
      });
    }
    while (!signal.aborted) {
      const cur = this.ctx.deps.repo.get(id);
      if (!cur || !PROBING.has(cur.state.status)) return;
      await sleep(nextDelay(cur, t), signal);
      if (signal.aborted) return;
      const rec = this.ctx.deps.repo.get(id);
      if (!rec || !PROBING.has(rec.state.status)) return;
      if (rec.state.status === 'paused') continue;
      const result = await this.probe(rec, t, signal);
      if (!result || signal.aborted) return;
      await this.record(id, result, t, signal);
    }
  }

  /** One probe; undefined when the loop was aborted meanwhile. */
  async probe(rec: ContainerRecord, t: ProbeTimings, signal?: AbortSignal): Promise<HealthLogEntry | undefined> {
    const argv = probeCommand(rec.config.healthcheck)!;
    const start = new Date().toISOString();
    const hc = rec.hostConfig;
    const caps = effectiveCapabilities(hc.capAdd, hc.capDrop, hc.privileged);
    let proc: ExecProcessSpec;
    try {
      proc = {
        args: argv, env: containerEnv(rec), cwd: rec.config.workingDir || '/', tty: false,
        user: await resolveUser(this.ctx.rootfsDir(rec.id), rec.config.user),
        capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
        noNewPrivileges: noNewPrivileges(hc.securityOpt),
      };
    } catch (err) {
      return { start, end: new Date().toISOString(), exitCode: -1, output: String((err as Error).message ?? err) };
    }
    let handle;
    try {
      handle = await this.ctx.deps.tasks.exec(rec.id, proc, { stdin: false });
    } catch (err) {
      return { start, end: new Date().toISOString(), exitCode: -1, output: String((err as Error).message ?? err) };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const drained = (async () => {
      for await (const c of handle.output) {
        if (size < MAX_OUTPUT_LEN) { chunks.push(c.data); size += c.data.length; }
      }
    })().catch(() => undefined);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; handle.kill('KILL'); }, t.timeoutMs);
    const onAbort = () => handle.kill('KILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    const exitCode = await handle.exit.catch(() => -1);
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await Promise.race([drained, sleep(500)]);
    if (signal?.aborted) return undefined;
    const end = new Date().toISOString();
    if (timedOut) return { start, end, exitCode: -1, output: `Health check exceeded timeout (${goDuration(t.timeoutMs)})` };
    return { start, end, exitCode, output: Buffer.concat(chunks).subarray(0, MAX_OUTPUT_LEN).toString('utf8') };
  }

  private async record(id: string, result: HealthLogEntry, t: ProbeTimings, signal: AbortSignal): Promise<void> {
    await this.ctx.locks.run(id, async () => {
      const rec = this.ctx.deps.repo.get(id);
      if (!rec || signal.aborted || !PROBING.has(rec.state.status)) return;
      const prev = rec.state.health ?? startingHealth();
      const next = foldProbe(prev, result, t, rec.state.startedAt);
      rec.state = { ...rec.state, health: next };
      await this.ctx.deps.repo.put(rec);
      if (next.status !== prev.status) this.ctx.publish(rec, `health_status: ${next.status}`);
    });
  }
}

/** moby: the start interval applies while `starting` within the start period. */
function nextDelay(rec: ContainerRecord, t: ProbeTimings): number {
  const started = rec.state.startedAt ? Date.parse(rec.state.startedAt) : 0;
  const inStart = rec.state.health?.status === 'starting' && Date.now() - started < t.startPeriodMs;
  return inStart ? t.startIntervalMs : t.intervalMs;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}
