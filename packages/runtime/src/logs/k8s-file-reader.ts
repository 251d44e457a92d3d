/**
 * @module logs/k8s-file-reader
 * readK8sFileLogs: Docker's logs semantics over conmon's k8s-file logs.
 *   1. history: the rotated files (`path.N` … `path.1`, oldest first) and then `path`, opened up
 *      front so a rotation during the read cannot shuffle them; with `tail`, only from the position
 *      k8s-file-tail finds, keeping the last N entries (counted over both streams, as Docker does,
 *      before since/until and the stream filter apply);
 *   2. follow: after draining, wait for growth (fs.watch on the directory plus a 250 ms poll);
 *      when `path` is a new file (rotated), drain the old one and go on from the start of the new;
 *      end once `isRunning()` is false and everything is drained, or on abort.
 * Entries before `since` are skipped; the first entry after `until` ends the stream. Times compare
 * as fixed-width UTC strings, so nanoseconds count.
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { LogEntry } from '../containers/container-types.js';
import type { ReadLogOptions, ReadLogs } from './log-reader.js';
import { K8sLogParser, unixToTimeString } from './k8s-file-format.js';
import { findTailStart } from './k8s-file-tail.js';

const CHUNK = 1024 * 1024;
const POLL_MS = 250;
const EMPTY = Buffer.alloc(0);
const NL = 0x0a;
/** Rotated files probed beyond what any sane max-file setting keeps. */
const MAX_ROTATED = 100;

interface Cursor {
  fh: FileHandle;
  ino: number;
  pos: number;
  /** An unfinished last line, carried into the next read. */
  leftover: Buffer;
}

export const readK8sFileLogs: ReadLogs = (logPath: string, opts: ReadLogOptions) => readLogs(logPath, opts);

async function* readLogs(logPath: string, o: ReadLogOptions): AsyncGenerator<LogEntry> {
  const since = o.since !== undefined && o.since > 0 ? unixToTimeString(o.since) : undefined;
  const until = o.until !== undefined && o.until > 0 ? unixToTimeString(o.until) : undefined;
  const parser = new K8sLogParser();
  const cursors = await openAll(logPath);
  let live: Cursor | undefined = cursors.at(-1);
  const waiter = o.follow ? new ChangeWaiter(logPath) : undefined; // before reading: no growth is missed
  let inflight: Promise<unknown> | undefined;
  let stopped = false;

  /** since/until/streams; sets `stopped` at the first entry past `until`. A sync generator consumed
   *  with for-of, not `yield*`, which would add an await per entry. */
  function* pass(entries: LogEntry[]): Generator<LogEntry> {
    for (const e of entries) {
      if (until && e.time > until) { stopped = true; return; }
      if (since && e.time < since) continue;
      if (e.stream === 'stdout' ? o.stdout : o.stderr) yield e;
    }
  }

  try {
    const tail = typeof o.tail === 'number' && o.tail >= 0 ? o.tail : undefined;
    const ring: LogEntry[] | undefined = tail !== undefined ? [] : undefined;
    let first = 0;
    if (tail !== undefined && cursors.length) {
      const sizes = await Promise.all(cursors.map(async (c) => ({ fh: c.fh, size: (await c.fh.stat()).size })));
      const at = await findTailStart(sizes, tail, { countOpenChains: !o.follow });
      first = at.file;
      cursors[first]!.pos = at.offset;
    }
    const take = (batch: LogEntry[]): void => {
      for (const e of batch) ring!.push(e);
      if (ring!.length > tail! * 2 + 1024) ring!.splice(0, ring!.length - tail!);
    };

    // History. The next chunk is read while the consumer handles the current one.
    for (let i = first; i < cursors.length; i++) {
      const c = cursors[i]!;
      let next = readRaw(c);
      inflight = next;
      for (;;) {
        const raw = await next;
        const batch: LogEntry[] = [];
        if (raw) {
          next = readRaw(c);
          inflight = next;
          parseRaw(c, parser, raw, batch);
        } else {
          inflight = undefined;
          if (c !== live) flushLeftover(c, parser, batch); // a rotated file is complete
        }
        if (ring) take(batch);
        else for (const e of pass(batch)) yield e;
        if (stopped || o.signal?.aborted) return;
        if (!raw) break;
      }
    }
    if (!o.follow) {
      const batch: LogEntry[] = [];
      if (live) flushLeftover(live, parser, batch);
      parser.flush(batch);
      if (ring) take(batch);
      else for (const e of pass(batch)) yield e;
    }
    if (ring) for (const e of pass(ring.slice(Math.max(0, ring.length - tail!)))) yield e;
    if (!o.follow || stopped) return;

    let finishing = false;
    for (;;) {
      if (o.signal?.aborted) return;
      if (live) {
        const raw = await readRaw(live);
        if (raw) {
          const batch: LogEntry[] = [];
          parseRaw(live, parser, raw, batch);
          for (const e of pass(batch)) yield e;
          if (stopped) return;
          continue;
        }
      }
      const next = await reopenIfReplaced(logPath, live);
      if (next) {
        if (live) {
          // The old file is complete once conmon has created the new one; take its last bytes.
          const batch: LogEntry[] = [];
          for (let raw = await readRaw(live); raw; raw = await readRaw(live)) parseRaw(live, parser, raw, batch);
          flushLeftover(live, parser, batch);
          for (const e of pass(batch)) yield e;
          if (stopped) return;
        }
        live = next;
        cursors.push(next);
        continue;
      }
      if (finishing) break;
      if (!(await o.isRunning())) { finishing = true; continue; } // one more drain, then end
      if (until && new Date().toISOString() > until.slice(0, 23)) return;
      await waiter!.wait(POLL_MS, o.signal);
    }
    const batch: LogEntry[] = [];
    if (live) flushLeftover(live, parser, batch);
    parser.flush(batch);
    for (const e of pass(batch)) yield e;
  } finally {
    waiter?.close();
    await inflight?.catch(() => undefined);
    await Promise.all(cursors.map((c) => c.fh.close().catch(() => undefined)));
  }
}

/** Opens `path.N` … `path.1`, `path` (those that exist), oldest first. */
async function openAll(logPath: string): Promise<Cursor[]> {
  const names: string[] = [];
  for (let i = 1; i <= MAX_ROTATED; i++) {
    const p = `${logPath}.${i}`;
    if (!(await fs.access(p).then(() => true, () => false))) break;
    names.unshift(p);
  }
  names.push(logPath);
  const out: Cursor[] = [];
  for (const p of names) {
    const c = await openCursor(p);
    if (c) out.push(c);
  }
  return out;
}

async function openCursor(p: string): Promise<Cursor | undefined> {
  try {
    const fh = await fs.open(p, 'r');
    return { fh, ino: (await fh.stat()).ino, pos: 0, leftover: EMPTY };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The next chunk (up to 1 MiB) of new bytes, in a fresh buffer (entries are zero-copy slices of it); undefined at EOF. */
async function readRaw(c: Cursor): Promise<Buffer | undefined> {
  const size = (await c.fh.stat()).size;
  if (size < c.pos) { c.pos = 0; c.leftover = EMPTY; } // truncated in place
  const want = Math.min(CHUNK, size - c.pos);
  if (want <= 0) return undefined;
  const at = c.pos;
  c.pos += want;
  const buf = Buffer.allocUnsafe(want);
  const { bytesRead } = await c.fh.read(buf, 0, want, at);
  c.pos = at + bytesRead;
  return bytesRead ? buf.subarray(0, bytesRead) : undefined;
}

/** Parses a chunk, completing the line carried over from the previous one. */
function parseRaw(c: Cursor, parser: K8sLogParser, raw: Buffer, out: LogEntry[]): void {
  let from = 0;
  if (c.leftover.length) {
    const nl = raw.indexOf(NL);
    if (nl < 0) { c.leftover = Buffer.concat([c.leftover, raw]); return; }
    const line = Buffer.concat([c.leftover, raw.subarray(0, nl + 1)]);
    parser.parseLines(line, 0, line.length, out);
    c.leftover = EMPTY;
    from = nl + 1;
  }
  const used = parser.parseLines(raw, from, raw.length, out);
  if (used < raw.length) c.leftover = Buffer.from(raw.subarray(used));
}

function flushLeftover(c: Cursor, parser: K8sLogParser, out: LogEntry[]): void {
  if (c.leftover.length) parser.parseLines(c.leftover, 0, c.leftover.length, out, true);
  c.leftover = EMPTY;
}

/** A new file at `logPath` (rotation, or first creation) → its cursor; else undefined. */
async function reopenIfReplaced(logPath: string, cur: Cursor | undefined): Promise<Cursor | undefined> {
  let ino: number;
  try {
    ino = (await fs.stat(logPath)).ino;
  } catch {
    return undefined; // renamed away, conmon has not reopened yet
  }
  if (cur && ino === cur.ino) return undefined;
  return openCursor(logPath);
}

/** Wakes on any change in the log's directory, after `ms`, or on abort. */
class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private dirty = false;

  constructor(logPath: string) {
    const base = path.basename(logPath);
    try {
      this.watcher = watch(path.dirname(logPath), (_ev, name) => {
        if (!name || String(name).startsWith(base)) this.poke();
      });
      this.watcher.on('error', () => this.close());
      this.watcher.unref();
    } catch { /* polling alone still works */ }
  }

  private poke(): void {
    this.dirty = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.dirty) { this.dirty = false; return; }
    if (signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
    this.dirty = false;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
