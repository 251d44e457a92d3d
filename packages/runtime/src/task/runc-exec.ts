/**
 * @module task/runc-exec
 * Non-tty exec: `runc exec --process <json> --pid-file <file> <id>` in the foreground with pipes.
 * runc passes its own stdio to the process, so runc's own failure ("exec failed: …", a logrus line
 * on stderr before the pid file exists) shares the stderr pipe with the process. Such lines are held
 * back; if runc exits without having written the pid file, the exec failed to start: `pid` rejects
 * with an EngineError, the output gets Docker's "OCI runtime exec failed" line and `exit` resolves
 * 127 (binary not found) or 126 (other start failures), as Docker reports them.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AsyncQueue } from '../util/async-queue.js';
import { EngineError, errors } from '../errors/engine-error.js';
import type { OutputChunk } from '../containers/container-types.js';
import type { ExecHandle } from './task-manager.js';
import type { RuncExecProcess } from './runc.js';
import { runcMessage } from './runc.js';
import { parseSignal } from '../util/signals.js';

const PID_POLL_MS = 10;
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

export async function startRuncExec(
  runc: { runcPath: string; root: string },
  id: string,
  proc: RuncExecProcess,
  opts: { stdin: boolean },
): Promise<ExecHandle> {
  // Two flat files instead of a session dir: every fs round trip here sits on `docker exec`'s path.
  const base = path.join(os.tmpdir(), `berth-exec-${randomBytes(8).toString('hex')}`);
  const processFile = `${base}.json`;
  const pidFile = `${base}.pid`;
  await fs.writeFile(processFile, JSON.stringify({ ...proc, terminal: false }), { mode: 0o600 });
  const child = spawn(runc.runcPath, ['--root', runc.root, 'exec', '--process', processFile, '--pid-file', pidFile, id], {
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });

  const output = new AsyncQueue<OutputChunk>();
  let knownPid = 0;
  let heldRuncText = '';
  let resolvePid!: (pid: number) => void;
  let rejectPid!: (err: unknown) => void;
  const pid = new Promise<number>((res, rej) => { resolvePid = res; rejectPid = rej; });
  pid.catch(() => { /* consumers that never await pid must not crash the process */ });

  // A tiny tmpfs/page-cache read: synchronous is cheaper than four thread-pool hops per poll.
  const readPid = (): number => {
    try {
      const n = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
      return Number.isFinite(n) && n > 0 ? n : 0;
    } catch { return 0; }
  };
  const poll = setInterval(() => {
    const p = readPid();
    if (p) { knownPid = p; resolvePid(p); clearInterval(poll); }
  }, PID_POLL_MS);
  poll.unref();

  // 'close' of the child would wait for grandchildren that still hold the pipes; 'exit' plus a short
  // grace for the pipes to drain does not.
  const streamsDone = new Promise<void>((res) => {
    let open = 2;
    const closed = (): void => { if (--open === 0) res(); };
    child.stdout!.once('close', closed);
    child.stderr!.once('close', closed);
  });
  child.stdout!.on('data', (d: Buffer) => output.push({ stream: 'stdout', data: d }));
  child.stderr!.on('data', (d: Buffer) => {
    // runc's own logrus line can only precede the process start; hold it until we know who wrote it.
    if (!knownPid && /^time="[^"]*" level=/.test(d.toString('latin1', 0, 64))) heldRuncText += d.toString('utf8');
    else output.push({ stream: 'stderr', data: d });
  });
  child.stdin?.on('error', () => { /* EPIPE after the process exited */ });

  const exit = new Promise<number>((resolve) => {
    let settled = false;
    const finish = async (code: number | null, sig: NodeJS.Signals | null, spawnErr?: Error): Promise<void> => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      if (!knownPid) knownPid = readPid();
      await Promise.race([streamsDone, delay(knownPid ? 500 : 2000)]);
      let exitCode = code ?? (sig ? 128 + (os.constants.signals[sig] ?? 0) : 255);
      if (knownPid) {
        resolvePid(knownPid);
        if (heldRuncText) output.push({ stream: 'stderr', data: Buffer.from(heldRuncText) });
      } else {
        const msg = spawnErr ? spawnErr.message : runcMessage(heldRuncText) || `runc exec exited ${exitCode}`;
        const err = execStartError(msg, id, spawnErr);
        exitCode = /executable file not found|no such file or directory/.test(msg) ? 127 : 126;
        rejectPid(err);
        output.push({ stream: 'stderr', data: Buffer.from(`OCI runtime exec failed: ${msg}: unknown\n`) });
      }
      output.end();
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(exitCode);
      // runc has read the process file before starting anything; nobody waits for the cleanup.
      for (const f of [processFile, pidFile]) void fs.rm(f, { force: true }).catch(() => undefined);
    };
    child.on('error', (err) => void finish(null, null, err));
    child.on('exit', (code, sig) => void finish(code, sig));
  });

  return {
    pid,
    stdin: child.stdin ?? null,
    output,
    exit,
    kill(signal: string): void {
      try {
        const sig = parseSignal(signal);
        // The process itself: runc forwards signals too, but SIGKILL on runc would orphan the process.
        if (knownPid) process.kill(knownPid, sig);
        else child.kill(sig);
      } catch { /* already gone */ }
    },
  };
}

function execStartError(msg: string, id: string, cause?: unknown): EngineError {
  if (/container does not exist/.test(msg)) return errors.notFound('container', id);
  if (/stopped container|not running|paused/.test(msg)) return errors.conflict(`Container ${id} is not running`);
  if (/executable file not found|no such file or directory|permission denied/.test(msg)) return errors.invalid(msg, cause);
  return errors.internal(`runc exec failed: ${msg}`, cause);
}

