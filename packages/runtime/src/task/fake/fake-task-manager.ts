/**
 * @module task/fake/fake-task-manager
 * An in-memory TaskManager for unit tests of the container service: tasks are records, exits are
 * produced by kill() or by the test (`exit(id, code)`), and attachments are queues the test can
 * write into. No processes, no runc.
 */
import type { OutputChunk } from '../../containers/container-types.js';
import type {
  ExecHandle, ExecProcessSpec, TaskAttachment, TaskCreateOptions, TaskExit, TaskManager, OciStatus, TtyExecHandle,
} from '../task-manager.js';
import { Writable } from 'node:stream';
import { AsyncQueue } from '../../util/async-queue.js';
import { errors } from '../../errors/engine-error.js';
import { parseSignal } from '../../util/signals.js';

interface FakeTask { opts: TaskCreateOptions; pid: number; status: OciStatus; stdin: Buffer[]; attachments: AsyncQueue<OutputChunk>[] }

export class FakeTaskManager implements TaskManager {
  readonly tasks = new Map<string, FakeTask>();
  readonly calls: string[] = [];
  /** Make the next create() fail with this error. */
  failNextCreate: Error | undefined;
  private readonly exitQueues = new Set<AsyncQueue<TaskExit>>();
  private readonly recorded = new Map<string, TaskExit>();
  private nextPid = 1000;

  async create(opts: TaskCreateOptions): Promise<{ pid: number }> {
    this.calls.push(`create ${opts.id}`);
    if (this.failNextCreate) { const e = this.failNextCreate; this.failNextCreate = undefined; throw e; }
    const pid = this.nextPid++;
    this.tasks.set(opts.id, { opts, pid, status: 'created', stdin: [], attachments: [] });
    return { pid };
  }
  async start(id: string) { this.calls.push(`start ${id}`); this.require(id).status = 'running'; }
  async kill(id: string, signal: string) {
    this.calls.push(`kill ${id} ${signal}`);
    const t = this.require(id);
    if (t.status === 'stopped') throw errors.conflict('container not running');
    const n = parseSignal(signal);
    if (n === 9 || n === 15) this.exit(id, 128 + n);
  }
  async pause(id: string) { this.require(id).status = 'paused'; }
  async resume(id: string) { this.require(id).status = 'running'; }
  async state(id: string) { const t = this.tasks.get(id); return t && { status: t.status, pid: t.pid }; }
  async delete(id: string) { this.calls.push(`delete ${id}`); this.tasks.delete(id); }
  async attach(id: string): Promise<TaskAttachment> {
    const t = this.require(id);
    const q = new AsyncQueue<OutputChunk>();
    t.attachments.push(q);
    return { output: q, write: (d) => t.stdin.push(d), end: () => { this.calls.push(`stdin-eof ${id}`); }, destroy: () => q.end() };
  }
  async resize() { /* nothing to size */ }
  exits(signal: AbortSignal): AsyncIterable<TaskExit> {
    const q = new AsyncQueue<TaskExit>();
    this.exitQueues.add(q);
    signal.addEventListener('abort', () => { this.exitQueues.delete(q); q.end(); }, { once: true });
    return q;
  }
  async readExit(id: string) { return this.recorded.get(id); }
  async clearExit(id: string) { this.recorded.delete(id); }
  async monitorAlive(): Promise<boolean> { return true; }
  async adopt() { /* nothing to resume */ }
  close() { /* no timers */ }
  async exec(): Promise<ExecHandle> { throw errors.notImplemented('fake exec'); }
  async execTty(id: string, execId: string, process: ExecProcessSpec, opts: { stdin: boolean; size?: { rows: number; cols: number } }): Promise<TtyExecHandle> {
    const t = this.require(id);
    if (t.status !== 'running') throw errors.conflict(`Container ${id} is not running`);
    this.calls.push(`execTty ${id} ${process.args.join(' ')}${opts.size ? ` ${opts.size.rows}x${opts.size.cols}` : ''}`);
    const output = new AsyncQueue<OutputChunk>();
    let finish!: (code: number) => void;
    const exit = new Promise<number>((r) => { finish = r; });
    const stdin: Buffer[] = [];
    const pid = this.nextPid++;
    this.ttyExecs.set(execId, { output, stdin, finish: (code) => { output.end(); finish(code); } });
    return {
      pid: Promise.resolve(pid),
      stdin: opts.stdin ? new Writable({ write(c: Buffer, _e, cb) { stdin.push(c); cb(); } }) : null,
      output,
      exit,
      kill: (signal) => { this.calls.push(`execKill ${execId} ${signal}`); this.ttyExecs.get(execId)?.finish(128 + parseSignal(signal)); },
      resize: async (size) => { this.calls.push(`execResize ${execId} ${size.rows}x${size.cols}`); },
    };
  }

  /** TTY execs by exec id: the test writes output, reads stdin and ends them (`finish(code)`). */
  readonly ttyExecs = new Map<string, { output: AsyncQueue<OutputChunk>; stdin: Buffer[]; finish(code: number): void }>();

  /** Test hook: the task writes output to every attachment. */
  output(id: string, data: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    for (const q of this.require(id).attachments) q.push({ stream, data: Buffer.from(data) });
  }

  /** Test hook: the task exits with `code`. */
  exit(id: string, code: number, oomKilled = false): void {
    const t = this.require(id);
    t.status = 'stopped';
    for (const q of t.attachments) q.end();
    const e: TaskExit = { id, exitCode: code, exitedAt: new Date().toISOString(), oomKilled };
    this.recorded.set(id, e);
    for (const q of this.exitQueues) q.push(e);
  }

  private require(id: string): FakeTask {
    const t = this.tasks.get(id);
    if (!t) throw errors.notFoundMessage(`container ${id} does not exist`);
    return t;
  }
}
