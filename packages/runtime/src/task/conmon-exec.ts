/**
 * @module task/conmon-exec
 * TTY exec (`docker exec -t`) through `conmon --exec --exec-attach`, the path measured in the
 * runtime notes §3: runc can only hand a pty to a *detached* exec, and then nobody waits for the
 * process, so conmon (subreaper) holds the pty master and reports the exit code.
 *
 * One session dir per exec (conmon names its exit file after the *container* id):
 *   spawn (fd 3 = sync, fd 4 = start, fd 5 = attach pipes; Node 'pipe' socketpairs)
 *   → start pipe write #1 (after moving conmon to the monitor cgroup)
 *   → attach pipe `{"data":0}`: `<dir>/attach` listens → connect the SEQPACKET socket
 *   → start pipe write #2 → conmon runs `runc exec --detach --tty --console-socket …`
 *   → sync pipe `{"data":<pid>}` (or `{"data":-1,"message":…}`), later `{"data":<exit code>}`.
 * Resize: `<dir>/ctl` fifo. The dir is removed once the exit code arrived and output drained.
 * A process runc cannot start yields a handle whose `pid` rejects, whose output is Docker's
 * "OCI runtime exec failed" line and whose exit is 127/126 (as task/runc-exec); conmon trouble throws.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import type { ExecProcessSpec, TaskAttachment, TtyExecHandle } from './task-manager.js';
import type { OutputChunk } from '../containers/container-types.js';
import type { OciProcess } from '../oci/runtime-spec.js';
import { AsyncQueue } from '../util/async-queue.js';
import { EngineError, errors } from '../errors/engine-error.js';
import { attachConmon, resizeConmon } from './conmon-attach.js';
import { moveToCgroup } from './cgroups.js';
import { runcMessage } from './runc.js';
import { parseSignal } from '../util/signals.js';

export interface ConmonExecConfig {
  conmonPath: string;
  runcPath: string;
  runcRoot: string;
  socketDir: string;
  monitorCgroup?: string;
  /** How long to wait for conmon's pid report; default 30 s. */
  timeoutMs?: number;
}

type Size = { rows: number; cols: number };

/** Newline-delimited JSON messages (`{"data":N,"message":…}`) from one of conmon's pipes. */
function messages(stream: Readable): AsyncQueue<{ data?: number; message?: string }> {
  const q = new AsyncQueue<{ data?: number; message?: string }>();
  let buf = '';
  stream.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      try { q.push(JSON.parse(line) as { data?: number; message?: string }); } catch { q.push({ data: -1, message: `conmon: ${line}` }); }
    }
  });
  stream.on('error', () => q.end());
  stream.on('close', () => {
    if (buf.trim()) { try { q.push(JSON.parse(buf.trim()) as { data?: number }); } catch { /* torn */ } }
    q.end();
  });
  return q;
}

async function nextMessage(q: AsyncQueue<{ data?: number; message?: string }>, what: string, ms: number): Promise<{ data?: number; message?: string }> {
  const it = q[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = Number.isFinite(ms)
    ? new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`conmon did not report ${what} within ${ms} ms`)), ms); })
    : new Promise<never>(() => undefined);
  try {
    const r = await Promise.race([it.next(), timeout]);
    if (r.done) throw new Error(`conmon exited before reporting ${what}`);
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

export function conmonExecArgs(cfg: ConmonExecConfig, id: string, execId: string, dir: string, stdin: boolean): string[] {
  const args = [
    '--api-version', '1', '-c', id, '-u', execId, '-n', id, '-r', cfg.runcPath, '-b', dir, '-p', path.join(dir, 'pid'),
    '-l', 'none', '--exit-dir', path.join(dir, 'exits'), '--full-attach', '--socket-dir-path', cfg.socketDir,
    '--runtime-arg', '--root', '--runtime-arg', cfg.runcRoot,
    '-e', '--exec-attach', '--exec-process-spec', path.join(dir, 'process.json'), '-t', '--leave-stdin-open',
  ];
  if (stdin) args.push('-i');
  return args;
}

export async function startConmonExec(
  cfg: ConmonExecConfig, id: string, execId: string, p: ExecProcessSpec & { rlimits?: OciProcess['rlimits'] },
  opts: { stdin: boolean; size?: Size },
): Promise<TtyExecHandle> {
  const timeoutMs = cfg.timeoutMs ?? 30_000;
  // Short and private: conmon's attach socket lives here and sun_path is 108 bytes.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bx-'));
  await Promise.all([fs.mkdir(path.join(dir, 'exits')), fs.mkdir(cfg.socketDir, { recursive: true })]);
  const proc = {
    terminal: true, args: p.args, env: p.env, cwd: p.cwd, user: p.user,
    ...(opts.size ? { consoleSize: { height: opts.size.rows, width: opts.size.cols } } : {}),
    ...(p.capabilities ? { capabilities: p.capabilities } : {}),
    ...(p.noNewPrivileges !== undefined ? { noNewPrivileges: p.noNewPrivileges } : {}),
    ...(p.rlimits?.length ? { rlimits: p.rlimits } : {}),
  };
  await fs.writeFile(path.join(dir, 'process.json'), JSON.stringify(proc));
  const child = spawn(cfg.conmonPath, conmonExecArgs(cfg, id, execId, dir, opts.stdin), {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', _OCI_ATTACHPIPE: '5' },
  });
  const stderr = child.stdio[2] as Readable;
  const start = child.stdio[4] as Writable;
  const sync = messages(child.stdio[3] as Readable);
  const attachPipe = messages((child.stdio as unknown as Readable[])[5]!);
  let errText = '';
  stderr.on('data', (d: Buffer) => { if (errText.length < 8192) errText += d.toString('utf8'); });
  for (const s of [stderr, start]) s.on('error', () => undefined);
  child.on('error', (err) => { errText += err.message; });
  child.unref();
  const cleanup = async (): Promise<void> => {
    for (const s of (child.stdio as unknown as (Readable | Writable | null)[]).slice(3)) s?.destroy();
    stderr.destroy();
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  let att: TaskAttachment;
  let pid: number;
  try {
    if (cfg.monitorCgroup && child.pid) await moveToCgroup(child.pid, cfg.monitorCgroup);
    start.write('1');
    const ready = await nextMessage(attachPipe, 'its attach socket', timeoutMs);
    if (ready.data !== 0) throw new Error(ready.message || `conmon attach setup failed (${ready.data})`);
    att = await attachConmon(execId, dir, cfg.socketDir);
    start.write('2');
    const started = await nextMessage(sync, 'the exec pid', timeoutMs);
    if (!started.data || started.data < 0) {
      att.destroy();
      await cleanup();
      return failedExec(runcMessage(started.message ?? '') || started.message || `conmon reported ${started.data}`, id);
    }
    pid = started.data;
  } catch (err) {
    try { if (child.pid) process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
    await cleanup();
    const msg = `${(err as Error).message}${errText.trim() ? `: ${errText.trim()}` : ''}`;
    throw execStartError(msg, id, err);
  }

  let size = opts.size;
  let exited = false;
  if (size) await resizeConmon(dir, size).catch(() => undefined);

  const output = new AsyncQueue<OutputChunk>();
  const outputDone = (async () => {
    try { for await (const c of att.output) output.push(c); } finally { output.end(); }
  })();
  const exit = (async (): Promise<number> => {
    let code = 255;
    try {
      const m = await nextMessage(sync, 'the exit code', Infinity);
      if (typeof m.data === 'number' && m.data >= 0) code = m.data;
    } catch { /* conmon died without a report: 255, as a lost exit */ }
    exited = true;
    // conmon closes the attach socket when it exits; don't wait forever for a straggler.
    await Promise.race([outputDone, new Promise((r) => setTimeout(r, 1000).unref())]);
    att.destroy();
    await cleanup();
    return code;
  })();

  const stdin = opts.stdin
    ? new Writable({
      write(chunk: Buffer, _enc, cb) { att.write(chunk); cb(); },
      // A tty keeps its input open when the client half-closes (Docker closes only non-tty stdin).
      final(cb) { cb(); },
    })
    : null;
  stdin?.on('error', () => undefined);

  return {
    pid: Promise.resolve(pid),
    stdin,
    output,
    exit,
    kill(signal: string): void {
      try { if (!exited) process.kill(pid, parseSignal(signal)); } catch { /* already gone */ }
    },
    async resize(s: Size): Promise<void> {
      size = s;
      if (!exited) await resizeConmon(dir, size).catch(() => undefined);
    },
  };
}

/**
 * runc refused to start the process (missing binary, bad cwd …): like the non-tty path, Docker's
 * "OCI runtime exec failed" line goes to the output and the exit code is 127 (not found) or 126.
 */
function failedExec(msg: string, id: string): TtyExecHandle {
  const pid = Promise.reject(execStartError(msg, id));
  pid.catch(() => { /* consumers that never await pid must not crash the process */ });
  const output = new AsyncQueue<OutputChunk>();
  output.push({ stream: 'stdout', data: Buffer.from(`OCI runtime exec failed: ${msg}: unknown\r\n`) });
  output.end();
  const code = /executable file not found|no such file or directory/.test(msg) ? 127 : 126;
  return { pid, stdin: null, output, exit: Promise.resolve(code), kill: () => undefined, resize: async () => undefined };
}

function execStartError(msg: string, id: string, cause?: unknown): EngineError {
  if (cause instanceof EngineError) return cause;
  if (/container does not exist/.test(msg)) return errors.notFound('container', id);
  if (/stopped container|not running|paused/.test(msg)) return errors.conflict(`Container ${id} is not running`);
  if (/executable file not found|no such file or directory|permission denied/.test(msg)) return errors.invalid(msg, cause);
  return errors.internal(`conmon exec failed: ${msg}`, cause);
}
