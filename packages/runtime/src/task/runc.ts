/**
 * @module task/runc
 * Thin adapter over the runc CLI (`runc --root <root> …`). It knows container ids only: no images,
 * names or networks. runc's failures are mapped to EngineError here, at the OS boundary:
 * "container does not exist" → NOT_FOUND, state conflicts ("not running", "paused", "already
 * running", "stopped") → CONFLICT, anything else → INTERNAL with the CommandError as cause.
 */
import { run, CommandError } from '../util/exec-file.js';
import { EngineError, errors } from '../errors/engine-error.js';
import type { ExecHandle, OciStatus } from './task-manager.js';
import type { OciProcess } from '../oci/runtime-spec.js';
import { startRuncExec } from './runc-exec.js';
import { parseSignal } from '../util/signals.js';

export interface RuncOptions {
  runcPath?: string;
  /** runc's state directory (`--root`). */
  root: string;
}

/** `runc state` output (the fields Berth uses). */
export interface RuncState {
  id: string;
  pid: number;
  status: OciStatus;
  bundle: string;
  created: string;
}

/** Process object for `runc exec --process`; capabilities omitted = the container's. */
export type RuncExecProcess = Omit<OciProcess, 'capabilities' | 'rlimits' | 'noNewPrivileges'> &
  Partial<Pick<OciProcess, 'capabilities' | 'rlimits' | 'noNewPrivileges'>>;

export class Runc {
  readonly runcPath: string;
  readonly root: string;

  constructor(opts: RuncOptions) {
    this.runcPath = opts.runcPath ?? '/usr/sbin/runc';
    this.root = opts.root;
  }

  async start(id: string): Promise<void> {
    await this.call('start', id, ['start', id]);
  }

  /** signal: "TERM", "SIGTERM", "15", "RTMIN+1"…; passed to runc as a number (its parser knows no RT names). */
  async kill(id: string, signal: string, all = false): Promise<void> {
    const num = String(parseSignal(signal));
    await this.call('kill', id, ['kill', ...(all ? ['--all'] : []), id, num]);
  }

  async pause(id: string): Promise<void> {
    await this.call('pause', id, ['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.call('resume', id, ['resume', id]);
  }

  /** undefined when runc does not know the container. */
  async state(id: string): Promise<RuncState | undefined> {
    try {
      const { stdout } = await this.call('state', id, ['state', id]);
      const s = JSON.parse(stdout) as RuncState;
      return { id: s.id, pid: s.pid, status: s.status, bundle: s.bundle, created: s.created };
    } catch (err) {
      if (err instanceof EngineError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** With force (the default) runc kills a running container first; deleting an unknown id succeeds. */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.call('delete', id, ['delete', ...(opts.force === false ? [] : ['--force']), id]);
    } catch (err) {
      if (err instanceof EngineError && err.code === 'NOT_FOUND') return;
      throw err;
    }
  }

  /** Non-tty `runc exec` with pipes; see task/runc-exec. */
  exec(id: string, proc: RuncExecProcess, opts: { stdin: boolean }): Promise<ExecHandle> {
    return startRuncExec(this, id, proc, opts);
  }

  private async call(op: string, id: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    try {
      return await run(this.runcPath, ['--root', this.root, ...args]);
    } catch (err) {
      throw mapRuncError(err, op, id);
    }
  }
}

/** The `msg="…"` of runc's logrus lines (last one wins), else the trimmed text. */
export function runcMessage(stderr: string): string {
  let msg: string | undefined;
  const re = /msg="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(stderr); m; m = re.exec(stderr)) msg = m[1];
  if (msg === undefined) return stderr.trim();
  return msg.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

export function mapRuncError(err: unknown, op: string, id: string): EngineError {
  if (err instanceof EngineError) return err;
  if (!(err instanceof CommandError)) return errors.internal(`runc ${op} ${id}: ${(err as Error)?.message ?? err}`, err);
  const msg = runcMessage(err.stderr || err.stdout);
  const conflict = conflictMessage(msg, op, id);
  if (/container does not exist|container not found/.test(msg)) return errors.notFound('container', id);
  if (conflict) return new EngineError('CONFLICT', conflict, { cause: err });
  return errors.internal(`runc ${op} ${id} failed: ${msg}`, err);
}

function conflictMessage(msg: string, op: string, id: string): string | undefined {
  if (/not running|stopped container|has stopped/.test(msg)) return `Container ${id} is not running`;
  if (/not paused/.test(msg)) return `Container ${id} is not paused`;
  if (/already running/.test(msg)) return `Container ${id} is already running`;
  if (/is paused|container paused/.test(msg)) return `Container ${id} is paused, unpause the container before ${op === 'kill' ? 'killing' : 'continuing'}`;
  if (/not created|already exists|exists/.test(msg)) return `Cannot ${op} container ${id}: ${msg}`;
  return undefined;
}
