/**
 * @module task/log-rotator
 * Size-based rotation of conmon's k8s-file logs, done from the daemon because conmon's own
 * --log-size-max truncates (it drops everything). Every `intervalMs`, each tracked running task's
 * log is stat'ed; above `maxSize` it is shifted (`ctr.log.1` → `ctr.log.2` …, oldest dropped,
 * `ctr.log` → `ctr.log.1`) and conmon is told over its ctl fifo (`2 0 0\n` = reopen logs) to
 * create a fresh `ctr.log`. Until conmon reopens, it keeps appending to `ctr.log.1`, which readers
 * read before `ctr.log`, so nothing is lost or reordered. A task stops being tracked when its exit
 * file appears, when its ctl fifo has no reader (conmon gone) or on untrack().
 */
import { promises as fs, constants as fsc } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export interface RotatedLog {
  id: string;
  logPath: string;
  maxSize: number;
  /** conmon's ctl fifo (`<bundle>/ctl`). */
  ctlPath: string;
  /** conmon's exit file; once present the task is done. */
  exitFile: string;
}

export class LogRotator {
  private readonly logs = new Map<string, RotatedLog>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  /** maxFiles counts the live file too (Docker's max-file); at least 2. */
  constructor(private readonly opts: { maxFiles: number; intervalMs: number }) {}

  track(log: RotatedLog): void {
    if (!(log.maxSize > 0)) return;
    this.logs.set(log.id, log);
    if (!this.timer) {
      this.timer = setInterval(() => void this.checkNow(), this.opts.intervalMs);
      this.timer.unref();
    }
  }

  untrack(id: string): void {
    this.logs.delete(id);
    if (this.logs.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass over all tracked logs (the timer calls this; tests may too). */
  async checkNow(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const log of [...this.logs.values()]) {
        try {
          await this.checkOne(log);
        } catch { /* a log we cannot rotate now is retried on the next tick */ }
      }
    } finally {
      this.busy = false;
    }
  }

  private async checkOne(log: RotatedLog): Promise<void> {
    if (await exists(log.exitFile)) return this.untrack(log.id);
    let size: number;
    try {
      size = (await fs.stat(log.logPath)).size;
    } catch {
      return; // not created yet, or rotated and conmon has not reopened yet
    }
    if (size <= log.maxSize) return;
    await shiftFiles(log.logPath, Math.max(2, this.opts.maxFiles));
    if (!(await requestReopen(log.ctlPath))) this.untrack(log.id);
  }
}

/** `p.(n-2)` → `p.(n-1)` … `p` → `p.1`; the file that would become `p.n` is dropped. */
export async function shiftFiles(p: string, maxFiles: number): Promise<void> {
  await fs.rm(`${p}.${maxFiles - 1}`, { force: true });
  for (let i = maxFiles - 2; i >= 1; i--) {
    await fs.rename(`${p}.${i}`, `${p}.${i + 1}`).catch(ignoreEnoent);
  }
  await fs.rename(p, `${p}.1`);
}

/** Asks conmon to reopen its log file; false when no conmon reads the fifo any more. */
export async function requestReopen(ctlPath: string): Promise<boolean> {
  return writeCtl(ctlPath, '2 0 0\n');
}

/**
 * Writes one message to a conmon ctl fifo without ever blocking: O_NONBLOCK makes open() fail
 * with ENXIO instead of hanging when conmon is gone. Returns false in that case.
 */
export async function writeCtl(ctlPath: string, msg: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await fs.open(ctlPath, fsc.O_WRONLY | fsc.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' || code === 'ENOENT') return false;
    throw err;
  }
  try {
    await fh.write(msg);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN' || (err as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw err;
  } finally {
    await fh.close();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

function ignoreEnoent(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
