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

export const readK8sFileLogs: ReadLogs = (logPath: string, opts: ReadLogOptions) =>
  opts.coalesce ? coalesced(readLogs(logPath, opts)) : flat(readLogs(logPath, opts));

async function* flat(batches: AsyncIterable<LogEntry[]>): AsyncGenerator<LogEntry> {
  for await (const b of batches) yield* b;
}

/** Most merged bytes per entry when coalescing. */
const COALESCE_MAX = 256 * 1024;

/**
 * Merges runs of complete lines of one stream into one entry (stamped with the first line's
 * time). One async step per line caps a 100-byte-line log far below what the disk gives;
 * merged, the same log streams several times faster.
 */
async function* coalesced(batches: AsyncIterable<LogEntry[]>): AsyncGenerator<LogEntry> {
  for await (const b of batches) {
    let run: LogEntry[] = [];
    let size = 0;
    const merged = (): LogEntry => (run.length === 1 ? run[0]! : { stream: run[0]!.stream, time: run[0]!.time, data: Buffer.concat(run.map((e) => e.data), size) });
    for (const e of b) {
      if (run.length && (e.stream !== run[0]!.stream || size + e.data.length > COALESCE_MAX)) { yield merged(); run = []; size = 0; }
      run.push(e);
      size += e.data.length;
    }
    if (run.length) yield merged();
  }
}

/** Yields the entries of each chunk read as one batch, so consumers pay per chunk, not per line. */
async function* readLogs(logPath: string, o: ReadLogOptions): AsyncGenerator<LogEntry[]> {
  let out: LogEntry[] = [];
  const take = (): LogEntry[] => { const b = out; out = []; return b; };
  const since = o.since !== undefined && o.since > 0 ? unixToTimeString(o.since) : undefined;
  const until = o.until !== undefined && o.until > 0 ? unixToTimeString(o.until) : undefined;
  const parser = new K8sLogParser();
  const cursors = await openAll(logPath);
  let live: Cursor | undefined = cursors.at(-1);
  const waiter = o.follow ? new ChangeWaiter(logPath) : undefined; // before reading: no growth is missed
  let inflight: Promise<unknown> | undefined;

  /** since/until/streams: 0 = skip, 1 = emit, 2 = stop (first entry past `until`). */
  const verdict = (e: LogEntry): number => {
    if (until && e.time > until) return 2;
    if (since && e.time < since) return 0;
    return (e.stream === 'stdout' ? o.stdout : o.stderr) ? 1 : 0;
  };

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
    const keep = (e: LogEntry): void => {
      ring!.push(e);
      if (ring!.length > tail! * 2 + 1024) ring!.splice(0, ring!.length - tail!);
    };

    // History. The next chunk is read while the consumer handles the current one.
    for (let i = first; i < cursors.length; i++) {
      const c = cursors[i]!;
      let next = readRaw(c);
      inflight = next;
      for (let raw = await next; raw; raw = await next) {
        next = readRaw(c);
        inflight = next;
        for (const e of entriesOf(c, parser, raw)) {
          if (ring) { keep(e); continue; }
          const v = verdict(e);
          if (v === 2) { if (out.length) yield take(); return; }
          if (v === 1) out.push(e);
        }
        if (out.length) yield take();
        if (o.signal?.aborted) return;
      }
      inflight = undefined;
      if (c !== live) { // a rotated file is complete
        for (const e of flushLeftover(c, parser)) {
          if (ring) { keep(e); continue; }
          const v = verdict(e);
          if (v === 2) { if (out.length) yield take(); return; }
          if (v === 1) out.push(e);
        }
        if (out.length) yield take();
      }
    }
    const rest = !o.follow ? [...(live ? flushLeftover(live, parser) : []), ...parser.flush()] : [];
    // With tail, everything so far went to the ring; keep the last N (counted before filtering).
    const backlog = !ring ? rest : tail === 0 ? [] : [...ring, ...rest].slice(-tail!);
    for (const e of backlog) {
      const v = verdict(e);
      if (v === 2) { if (out.length) yield take(); return; }
      if (v === 1) out.push(e);
    }
    if (out.length) yield take();
    if (!o.follow) return;

    let finishing = false;
    for (;;) {
      if (o.signal?.aborted) return;
      if (live) {
        const raw = await readRaw(live);
        if (raw) {
          for (const e of entriesOf(live, parser, raw)) {
            const v = verdict(e);
            if (v === 2) { if (out.length) yield take(); return; }
            if (v === 1) out.push(e);
          }
          if (out.length) yield take();
          continue;
        }
      }
      const next = await reopenIfReplaced(logPath, live);
      if (next) {
        if (live) {
          // The old file is complete once conmon has created the new one; take its last bytes.
          const batch: LogEntry[] = [];
          for (let raw = await readRaw(live); raw; raw = await readRaw(live)) batch.push(...entriesOf(live, parser, raw));
          batch.push(...flushLeftover(live, parser));
          for (const e of batch) {
            const v = verdict(e);
            if (v === 2) { if (out.length) yield take(); return; }
            if (v === 1) out.push(e);
          }
          if (out.length) yield take();
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
    for (const e of [...(live ? flushLeftover(live, parser) : []), ...parser.flush()]) {
      const v = verdict(e);
      if (v === 2) { if (out.length) yield take(); return; }
      if (v === 1) out.push(e);
    }
    if (out.length) yield take();
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

/**
 * The entries a chunk completes, lazily: each is handed on before the next is made, so entries die
 * young (batching them cost more in GC than all the parsing). Completes the carried-over line first.
 */
function* entriesOf(c: Cursor, parser: K8sLogParser, raw: Buffer): Generator<LogEntry> {
  let pos = 0;
  if (c.leftover.length) {
    const nl = raw.indexOf(NL);
    if (nl < 0) { c.leftover = Buffer.concat([c.leftover, raw]); return; }
    const line = Buffer.concat([c.leftover, raw.subarray(0, nl + 1)]);
    c.leftover = EMPTY;
    pos = nl + 1;
    const e = parser.parseLine(line, 0, line.length - 1);
    if (e) yield e;
  }
  for (let nl = raw.indexOf(NL, pos); nl >= 0; nl = raw.indexOf(NL, pos)) {
    const e = parser.parseLine(raw, pos, nl);
    pos = nl + 1;
    if (e) yield e;
  }
  if (pos < raw.length) c.leftover = Buffer.from(raw.subarray(pos));
}

/** The line left at the end of a finished file, parsed even without its "\n". */
function flushLeftover(c: Cursor, parser: K8sLogParser): LogEntry[] {
  const out: LogEntry[] = [];
  if (c.leftover.length) parser.parseLines(c.leftover, 0, c.leftover.length, out, true);
  c.leftover = EMPTY;
  return out;
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
