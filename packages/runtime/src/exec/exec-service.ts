/**
 * @module exec/exec-service
 * Extra processes in a running container (`docker exec`). An exec is created (recorded in memory,
 * like moby's exec store), then started once. Without a TTY it runs through `runc exec` with pipes,
 * the cheapest path measured here; with a TTY through `conmon --exec --exec-attach`, which owns the
 * pty and reports the exit code. Resize requests that race the start wait for it (moby waits 10 s).
 * Latency: the process spec (user lookup in the container's /etc files, env, caps) is resolved from
 * create() on, so the CLI's create → start round trip hides it; the exit code is recorded before
 * the attach stream ends, so the CLI's inspect right after sees it. A debug line `exec timing`
 * gives the ms from start to proc/spawned/pid/outputDone/exit for profiling.
 */
import type { AttachSession, ContainerRecord, OutputChunk } from '../containers/container-types.js';
import type { ExecCreateSpec, ExecDetail, ExecService } from '../services.js';
import type { ContainerContext } from '../containers/container-context.js';
import { decide } from '../containers/status.js';
import { containerEnv, effectiveCapabilities } from '../containers/oci-spec.js';
import { mergeEnv } from '../containers/container-create.js';
import { ExecUserCache } from './user-cache.js';
import { errors } from '../errors/engine-error.js';
import { AsyncQueue } from '../util/async-queue.js';
import { randomBytes } from 'node:crypto';
import type { ExecHandle, ExecProcessSpec, TtyExecHandle } from '../task/task-manager.js';

interface ExecRecord extends ExecDetail {
  started: boolean;
  createdAt: number;
  /**
   * The runtime process spec, resolved in the background from create() on: the CLI's create → start
   * round trip hides the /etc/passwd and /etc/group reads. Rejects like resolveUser (bad -u).
   */
  proc?: Promise<ExecProcessSpec>;
  /** Settles once start() has a process (the tty handle, for resize) or failed (undefined). */
  ready: Promise<TtyExecHandle | undefined>;
  setReady(h: TtyExecHandle | undefined): void;
}

const RESIZE_WAIT_MS = 10_000;

const MAX_EXECS_KEPT = 1000;

export class LocalExecService implements ExecService {
  private readonly execs = new Map<string, ExecRecord>();
  private readonly users = new ExecUserCache();

  constructor(private readonly ctx: ContainerContext) {}

  async create(ref: string, spec: ExecCreateSpec): Promise<{ id: string }> {
    const rec = this.ctx.resolve(ref);
    const v = decide('exec', rec.state.status, { name: rec.id });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    if (!spec.cmd?.length) throw errors.invalid('No exec command specified');
    const id = randomBytes(32).toString('hex');
    let setReady!: (h: TtyExecHandle | undefined) => void;
    const ready = new Promise<TtyExecHandle | undefined>((r) => { setReady = r; });
    const proc = this.processSpec(rec, spec);
    proc.catch(() => { /* reported by start() */ });
    this.execs.set(id, { id, containerId: rec.id, running: false, exitCode: null, pid: 0, spec, started: false, createdAt: Date.now(), proc, ready, setReady });
    this.prune();
    this.ctx.publish(rec, `exec_create: ${spec.cmd.join(' ')}`, { execID: id });
    return { id };
  }

  async start(execId: string, opts: { detach: boolean; tty?: boolean; consoleSize?: [number, number] }): Promise<AttachSession | undefined> {
    const t0 = performance.now();
    const marks: Record<string, number> = {};
    const mark = (k: string): void => { marks[k] = Math.round((performance.now() - t0) * 10) / 10; };
    const ex = this.get(execId);
    if (ex.started) throw errors.conflict(`Error: Exec command ${execId} has already run`);
    const rec = this.ctx.deps.repo.get(ex.containerId);
    if (!rec) throw errors.notFound('container', ex.containerId);
    const v = decide('exec', rec.state.status, { name: rec.id });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    // The exec's own config decides (moby); start's Tty only tells the client how to frame.
    const tty = !!ex.spec.tty;
    ex.started = true;
    const stdin = !!ex.spec.attachStdin && !opts.detach;
    let handle: ExecHandle;
    try {
      const proc = await (ex.proc ?? this.processSpec(rec, ex.spec));
      ex.proc = undefined;
      mark('proc');
      if (tty) {
        const cs = opts.consoleSize ?? ex.spec.consoleSize;
        const size = cs && cs[0] > 0 && cs[1] > 0 ? { rows: cs[0], cols: cs[1] } : undefined;
        const h = await this.ctx.deps.tasks.execTty(rec.id, ex.id, proc, { stdin, ...(size ? { size } : {}) });
        ex.setReady(h);
        handle = h;
      } else {
        handle = await this.ctx.deps.tasks.exec(rec.id, proc, { stdin });
        ex.setReady(undefined);
      }
    } catch (err) {
      ex.setReady(undefined);
      throw err;
    }
    mark('spawned');
    ex.running = true;
    this.ctx.publish(rec, `exec_start: ${ex.spec.cmd.join(' ')}`, { execID: ex.id });
    void handle.pid.then((pid) => { ex.pid = pid; mark('pid'); }, () => undefined);
    const exited = handle.exit.then((code) => {
      ex.running = false;
      ex.exitCode = code;
      mark('exit');
      this.ctx.publish(rec, 'exec_die', { execID: ex.id, exitCode: String(code) });
    }, () => { ex.running = false; ex.exitCode = 126; });
    if (opts.detach) {
      void (async () => { for await (const _ of handle.output) { /* discard */ } })();
      return undefined;
    }
    const out = new AsyncQueue<OutputChunk>();
    void (async () => {
      try {
        for await (const c of handle.output) {
          if (c.stream === 'stdout' ? ex.spec.attachStdout !== false : ex.spec.attachStderr !== false) out.push(c);
        }
      } catch { /* process gone */ }
      mark('outputDone');
      await exited;
      out.end();
      this.ctx.deps.logger.debug('exec timing', { id: ex.id.slice(0, 12), ...marks });
    })();
    return {
      tty,
      output: out,
      writeStdin: (d) => { handle.stdin?.write(d); },
      closeStdin: () => { handle.stdin?.end(); },
      detach: () => { out.end(); },
    };
  }

  /** The exec's process: the container's env, cwd, user and capabilities overridden by the exec's own. */
  private async processSpec(rec: ContainerRecord, spec: ExecCreateSpec): Promise<ExecProcessSpec> {
    const user = await this.users.resolve(this.ctx.rootfsDir(rec.id), spec.user || rec.config.user);
    const caps = effectiveCapabilities(spec.privileged ? ['ALL'] : rec.hostConfig.capAdd, rec.hostConfig.capDrop, rec.hostConfig.privileged);
    return {
      args: spec.cmd,
      env: mergeEnv(containerEnv(rec), spec.env ?? []),
      cwd: spec.workingDir || rec.config.workingDir || '/',
      user,
      tty: !!spec.tty,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: !rec.hostConfig.securityOpt.some((o) => /^no-new-privileges[=:]false$/.test(o)),
    };
  }

  async resize(execId: string, size: { rows: number; cols: number }): Promise<void> {
    const ex = this.get(execId);
    let timer: NodeJS.Timeout | undefined;
    const handle = await Promise.race([
      ex.ready,
      new Promise<never>((_, rej) => { timer = setTimeout(() => rej(errors.internal('timeout waiting for exec session ready', undefined)), RESIZE_WAIT_MS); }),
    ]).finally(() => clearTimeout(timer));
    if (!ex.running) throw errors.conflict(`Exec ${execId} is not running`);
    await handle?.resize(size);
  }

  async inspect(execId: string): Promise<ExecDetail> {
    const { started: _s, createdAt: _c, proc: _p, ready: _r, setReady: _sr, ...detail } = this.get(execId);
    return detail;
  }

  private get(execId: string): ExecRecord {
    const ex = this.execs.get(execId);
    if (!ex) throw errors.notFoundMessage(`No such exec instance: ${execId}`);
    return ex;
  }

  /** Finished execs are kept for inspection, up to a bound, so a busy host does not leak memory. */
  private prune(): void {
    if (this.execs.size <= MAX_EXECS_KEPT) return;
    for (const [id, ex] of this.execs) {
      if (!ex.running && ex.started) this.execs.delete(id);
      if (this.execs.size <= MAX_EXECS_KEPT) break;
    }
  }
}
