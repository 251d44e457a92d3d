/**
 * @module task/task-manager
 * Running containers live under one conmon each, over runc, so they survive daemon restarts.
 * Lifecycle: create() spawns conmon, which runs `runc create` and reports the init pid → attach
 * clients may connect now → start() runs `runc start` → the process runs → conmon writes the exit
 * file → exits() yields a TaskExit → the engine calls delete().
 */
import type { OutputChunk } from '../containers/container-types.js';

export interface TaskCreateOptions {
  id: string;
  /** Directory holding config.json (and rootfs); conmon writes attach/ctl/winsz/pidfile here. */
  bundleDir: string;
  /** k8s-file log path. */
  logPath: string;
  /** Rotate when the log exceeds this many bytes (0 = never). */
  logMaxSize?: number;
  tty: boolean;
  /** conmon -i: keep a stdin pipe for attach clients. */
  stdin: boolean;
  /** Close the container's stdin when the first attach client closes it (Docker StdinOnce). */
  stdinOnce: boolean;
  name: string;
}

export interface TaskExit {
  id: string;
  exitCode: number;
  /** ISO time of the exit (exit file mtime). */
  exitedAt: string;
  oomKilled: boolean;
}

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface TaskAttachment {
  readonly output: AsyncIterable<OutputChunk>;
  /** Chunked to 32 KiB packets. */
  write(data: Buffer): void;
  /** Half-close (conmon closes the container's stdin unless it was started with leave-stdin-open). */
  end(): void;
  /** Detach; the container keeps running. Ends `output`. */
  destroy(): void;
}

export interface ExecProcessSpec {
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids?: number[] };
  tty: boolean;
  capabilities?: Record<string, string[]>;
  noNewPrivileges?: boolean;
}

export interface ExecHandle {
  readonly pid: Promise<number>;
  readonly stdin: NodeJS.WritableStream | null;
  readonly output: AsyncIterable<OutputChunk>;
  readonly exit: Promise<number>;
  kill(signal: string): void;
}

export interface TtyExecHandle extends ExecHandle {
  /** Resize the exec's pty (conmon ctl fifo of the exec session); a no-op once it exited. */
  resize(size: { rows: number; cols: number }): Promise<void>;
}

export interface TaskManager {
  /** Spawns conmon (runc create); resolves with the container's init pid. Failure → EngineError
   *  (INVALID_ARGUMENT for a missing/unusable binary, with runc's message), nothing left running. */
  create(opts: TaskCreateOptions): Promise<{ pid: number }>;
  start(id: string): Promise<void>;
  /** signal: "TERM", "SIGTERM", "9" … already validated by the caller. */
  kill(id: string, signal: string, opts?: { all?: boolean }): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** undefined when runc does not know the container. */
  state(id: string): Promise<{ status: OciStatus; pid: number } | undefined>;
  /** runc delete --force; idempotent. Also rmdirs the cgroup parent dirs the container left. */
  delete(id: string): Promise<void>;
  attach(id: string, bundleDir: string): Promise<TaskAttachment>;
  resize(bundleDir: string, size: { rows: number; cols: number }): Promise<void>;
  /** Exits observed from conmon's exit dir; each exit is reported once per watcher. */
  exits(signal: AbortSignal): AsyncIterable<TaskExit>;
  /** Reads an exit already recorded (for boot reconciliation); undefined if none. */
  readExit(id: string, bundleDir: string): Promise<TaskExit | undefined>;
  /** Removes the exit file so the next run of the same container reports afresh. */
  clearExit(id: string): Promise<void>;
  /** Is the conmon of this container alive (pid from bundle/conmon.pid)? */
  monitorAlive(bundleDir: string): Promise<boolean>;
  /** After a daemon restart: take over a task created by an earlier instance (log rotation, exits). */
  adopt(t: { id: string; bundleDir: string; logPath?: string; logMaxSize?: number }): Promise<void>;
  /** Stops background work (rotation timers); running tasks are untouched. */
  close(): void;
  /** Non-tty exec with pipes (`runc exec`). */
  exec(id: string, process: ExecProcessSpec, opts: { stdin: boolean }): Promise<ExecHandle>;
  /** TTY exec through `conmon --exec --exec-attach` (one session dir per exec); `size` is the initial pty size.
   *  `execId` names the conmon session. Output is all `stdout`; `exit` carries the process's exit code. */
  execTty(id: string, execId: string, process: ExecProcessSpec, opts: { stdin: boolean; size?: { rows: number; cols: number } }): Promise<TtyExecHandle>;
}
