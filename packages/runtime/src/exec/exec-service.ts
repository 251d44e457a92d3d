/**
 * @module exec/exec-service
 * Extra processes in a running container (`docker exec`). An exec is created (recorded in memory,
 * like moby's exec store), then started once. Without a TTY it runs through `runc exec` with pipes,
 * the cheapest path measured here; exec with a TTY is not available yet and says so.
 */
import type { AttachSession, OutputChunk } from '../containers/container-types.js';
import type { ExecCreateSpec, ExecDetail, ExecService } from '../services.js';
import type { ContainerContext } from '../containers/container-context.js';
import { decide } from '../containers/status.js';
import { containerEnv, effectiveCapabilities } from '../containers/oci-spec.js';
import { mergeEnv } from '../containers/container-create.js';
import { resolveUser } from '../containers/rootfs-paths.js';
import { errors } from '../errors/engine-error.js';
import { AsyncQueue } from '../util/async-queue.js';
import { randomBytes } from 'node:crypto';

interface ExecRecord extends ExecDetail { started: boolean; createdAt: number }

const MAX_EXECS_KEPT = 1000;

export class LocalExecService implements ExecService {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(private readonly ctx: ContainerContext) {}

  async create(ref: string, spec: ExecCreateSpec): Promise<{ id: string }> {
    const rec = this.ctx.resolve(ref);
    const v = decide('exec', rec.state.status, { name: rec.id });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    if (!spec.cmd?.length) throw errors.invalid('No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, { id, containerId: rec.id, running: false, exitCode: null, pid: 0, spec, started: false, createdAt: Date.now() });
    this.prune();
    this.ctx.publish(rec, `exec_create: ${spec.cmd.join(' ')}`, { execID: id });
    return { id };
  }

  async start(execId: string, opts: { detach: boolean; tty?: boolean }): Promise<AttachSession | undefined> {
    const ex = this.get(execId);
    if (ex.started) throw errors.conflict(`Error: Exec command ${execId} has already run`);
    const rec = this.ctx.deps.repo.get(ex.containerId);
    if (!rec) throw errors.notFound('container', ex.containerId);
    const v = decide('exec', rec.state.status, { name: rec.id });
    if (v.kind === 'reject') throw errors.conflict(v.reason);
    if (ex.spec.tty || opts.tty) throw errors.notImplemented('exec with a TTY (-t) is not supported by this engine yet; run it without -t');
    ex.started = true;
    const rootfs = this.ctx.rootfsDir(rec.id);
    const user = await resolveUser(rootfs, ex.spec.user || rec.config.user);
    const caps = effectiveCapabilities(ex.spec.privileged ? ['ALL'] : rec.hostConfig.capAdd, rec.hostConfig.capDrop, rec.hostConfig.privileged);
    const handle = await this.ctx.deps.tasks.exec(rec.id, {
      args: ex.spec.cmd,
      env: mergeEnv(containerEnv(rec), ex.spec.env ?? []),
      cwd: ex.spec.workingDir || rec.config.workingDir || '/',
      user,
      tty: false,
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: !rec.hostConfig.securityOpt.some((o) => /^no-new-privileges[=:]false$/.test(o)),
    }, { stdin: !!ex.spec.attachStdin && !opts.detach });
    ex.running = true;
    this.ctx.publish(rec, `exec_start: ${ex.spec.cmd.join(' ')}`, { execID: ex.id });
    void handle.pid.then((pid) => { ex.pid = pid; }, () => undefined);
    const exited = handle.exit.then((code) => {
      ex.running = false;
      ex.exitCode = code;
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
      await exited;
      out.end();
    })();
    return {
      tty: false,
      output: out,
      writeStdin: (d) => { handle.stdin?.write(d); },
      closeStdin: () => { handle.stdin?.end(); },
      detach: () => { out.end(); },
    };
  }

  async resize(execId: string): Promise<void> {
    const ex = this.get(execId);
    if (!ex.running) throw errors.conflict(`Exec ${execId} is not running`);
  }

  async inspect(execId: string): Promise<ExecDetail> {
    const { started: _s, createdAt: _c, ...detail } = this.get(execId);
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
