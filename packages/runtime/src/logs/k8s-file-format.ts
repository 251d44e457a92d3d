/**
 * @module logs/k8s-file-format
 * Parsing of conmon's k8s-file records: `<RFC3339Nano with offset> <stdout|stderr> <F|P> <content>\n`.
 * A `P` record is a piece of a line (conmon cut it at its 8 KiB read size or the line had no newline
 * yet); the next `F` record of the same stream ends it (often with empty content). The parser joins
 * `P…P F` per stream into one LogEntry whose data ends with "\n", timed by its first record.
 *
 * Speed matters (100 MiB must stream far above 35 MiB/s): the parser works on large Buffers with
 * indexOf, hands out zero-copy subarrays (an F line's content plus its "\n" is already the entry's
 * data) and converts a timestamp to UTC only once per distinct second.
 */
import type { LogEntry, StdStream } from '../containers/container-types.js';

const NL = 0x0a;
const SP = 0x20;
const NEWLINE = Buffer.from('\n');
/** A P chain longer than this is emitted without its end, so a newline-less flood cannot eat memory. */
export const MAX_JOINED_BYTES = 1024 * 1024;

/** The fields of one record; offsets into the buffer given to parseRecord. */
export interface RawRecord {
  stream: StdStream;
  partial: boolean;
  tsStart: number;
  tsEnd: number;
  contentStart: number;
}

/** Parses the record in buf[start, end) (end = index of its "\n" or of the data's end). */
export function parseRecord(buf: Buffer, start: number, end: number): RawRecord | undefined {
  const sp1 = buf.indexOf(SP, start);
  if (sp1 < 0 || sp1 + 9 > end) return undefined;
  // "stdout" / "stderr": both 6 bytes; the 4th tells them apart.
  if (buf[sp1 + 7] !== SP) return undefined;
  const c = buf[sp1 + 4];
  const stream: StdStream | undefined = c === 0x6f ? 'stdout' : c === 0x65 ? 'stderr' : undefined;
  if (!stream) return undefined;
  const tag = buf[sp1 + 8];
  if (tag !== 0x46 && tag !== 0x50) return undefined;
  return { stream, partial: tag === 0x50, tsStart: start, tsEnd: sp1, contentStart: Math.min(sp1 + 10, end) };
}

/**
 * Normalizes timestamps to UTC `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (fixed 9 digits, as Docker prints
 * them). Fixed width means string order is time order, which since/until rely on.
 */
export class TimeNormalizer {
  private lastKey = '';
  private lastPrefix = '';
  /** Bytes of the last seen "YYYY-MM-DDTHH:MM:SS" + zone (35-byte form only), for allocation-free hits. */
  private readonly lastBytes = Buffer.alloc(25);
  private lastBytesPrefix = '';

  normalize(ts: string): string {
    const dot = ts.indexOf('.', 19);
    let fracEnd = 19;
    if (dot === 19) { fracEnd = 20; while (fracEnd < ts.length && isDigit(ts.charCodeAt(fracEnd))) fracEnd++; }
    const frac = dot === 19 ? ts.slice(20, fracEnd) : '';
    const nanos = frac.length === 9 ? frac : (frac + '000000000').slice(0, 9);
    const zone = ts.slice(fracEnd);
    const key = ts.slice(0, 19) + zone;
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastPrefix = utcSecondPrefix(ts.slice(0, 19), zone);
    }
    return `${this.lastPrefix}.${nanos}Z`;
  }

  /**
   * The normalized time of the timestamp in buf[s, e). conmon's form is always 35 bytes
   * (`….nnnnnnnnn±HH:MM`): UTC needs one slice; other offsets reuse the last second's conversion.
   */
  fromBytes(buf: Buffer, s: number, e: number): string {
    if (e - s === 35 && buf[s + 19] === 0x2e) {
      if (buf[s + 30] === 0x30 && buf[s + 31] === 0x30 && buf[s + 33] === 0x30 && buf[s + 34] === 0x30 && buf[s + 32] === 0x3a) {
        return buf.toString('latin1', s, s + 29) + 'Z'; // ±00:00
      }
      if (this.lastBytesPrefix && buf.compare(this.lastBytes, 0, 19, s, s + 19) === 0 && buf.compare(this.lastBytes, 19, 25, s + 29, s + 35) === 0) {
        return this.lastBytesPrefix + buf.toString('latin1', s + 19, s + 29) + 'Z';
      }
      const t = this.normalize(buf.toString('latin1', s, e));
      buf.copy(this.lastBytes, 0, s, s + 19);
      buf.copy(this.lastBytes, 19, s + 29, s + 35);
      this.lastBytesPrefix = t.slice(0, 19);
      return t;
    }
    return this.normalize(buf.toString('latin1', s, e));
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** "2026-11-29T12:53:11" + "+01:00" → "2026-11-29T11:53:11". */
function utcSecondPrefix(local: string, zone: string): string {
  if (zone === 'Z' || zone === '+00:00' || zone === '-00:00' || zone === '') return local;
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(zone);
  if (!m) return local;
  const offsetMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  const ms = Date.UTC(+local.slice(0, 4), +local.slice(5, 7) - 1, +local.slice(8, 10),
    +local.slice(11, 13), +local.slice(14, 16), +local.slice(17, 19)) - offsetMin * 60_000;
  return new Date(ms).toISOString().slice(0, 19);
}

/**
 * Unix seconds (fractional) → the normalized time string, for comparing with LogEntry.time.
 * Rounded to microseconds: a double near 1.7e9 carries only ~0.2 µs, so `….2` must not become
 * `….200000048` and wrongly skip an entry at `….200000000`.
 */
export function unixToTimeString(unix: number): string {
  let sec = Math.floor(unix);
  let nsec = Math.round((unix - sec) * 1e6) * 1000;
  if (nsec >= 1e9) { sec += 1; nsec -= 1e9; }
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
}

interface Pending {
  time: string;
  parts: Buffer[];
  bytes: number;
  /** Sequence number of the first record, to flush unfinished chains in file order. */
  seq: number;
}

/** Stateful P/F joiner; feed it chunks of whole lines, possibly across files. */
export class K8sLogParser {
  private readonly times = new TimeNormalizer();
  private readonly pending: Record<StdStream, Pending | undefined> = { stdout: undefined, stderr: undefined };
  private seq = 0;

  /**
   * Parses the complete lines in buf[start, end) into `out`; returns the offset after the last
   * "\n" (the rest is an unfinished line for the caller to carry over). With `final`, a trailing
   * line without "\n" is parsed too.
   */
  parseLines(buf: Buffer, start: number, end: number, out: LogEntry[], final = false): number {
    let pos = start;
    while (pos < end) {
      let nl = buf.indexOf(NL, pos);
      if (nl < 0 || nl >= end) {
        if (!final) return pos;
        nl = end;
      }
      const e = this.parseLine(buf, pos, nl);
      if (e) out.push(e);
      pos = nl + 1;
    }
    return end;
  }

  /**
   * One record in buf[start, nl); buf[nl] is its "\n" (or nl === buf end for a final fragment).
   * Returns the entry it completes, if any. Readers call this per line and hand the entry on at
   * once, so entries die young instead of being promoted in large batches (GC cost dominated).
   */
  parseLine(buf: Buffer, start: number, nl: number): LogEntry | undefined {
    // Inlined parseRecord: this runs once per line, so no intermediate object.
    const sp1 = buf.indexOf(SP, start);
    if (sp1 < 0 || sp1 + 9 > nl || buf[sp1 + 7] !== SP) return undefined;
    const c = buf[sp1 + 4];
    const stream: StdStream | undefined = c === 0x6f ? 'stdout' : c === 0x65 ? 'stderr' : undefined;
    const tag = buf[sp1 + 8];
    if (!stream || (tag !== 0x46 && tag !== 0x50)) return undefined;
    const contentStart = sp1 + 10 < nl ? sp1 + 10 : nl;
    const p = this.pending[stream];
    if (tag === 0x50) {
      const part = buf.subarray(contentStart, nl);
      if (!p) {
        const time = this.times.fromBytes(buf, start, sp1);
        this.pending[stream] = { time, parts: [part], bytes: part.length, seq: this.seq++ };
        return undefined;
      }
      p.parts.push(part);
      p.bytes += part.length;
      if (p.bytes < MAX_JOINED_BYTES) return undefined;
      this.pending[stream] = undefined;
      return { stream, time: p.time, data: Buffer.concat(p.parts, p.bytes) };
    }
    // F: content plus its "\n" is one zero-copy slice when the file had the newline.
    const tail = nl < buf.length && buf[nl] === NL
      ? buf.subarray(contentStart, nl + 1)
      : Buffer.concat([buf.subarray(contentStart, nl), NEWLINE]);
    if (!p) return { stream, time: this.times.fromBytes(buf, start, sp1), data: tail };
    p.parts.push(tail);
    this.pending[stream] = undefined;
    return { stream, time: p.time, data: Buffer.concat(p.parts, p.bytes + tail.length) };
  }

  /** Emits unfinished P chains (without "\n"), oldest first; for the end of a non-following read. */
  flush(): LogEntry[] {
    const out: LogEntry[] = [];
    const open = (['stdout', 'stderr'] as const)
      .map((s) => [s, this.pending[s]] as const)
      .filter((x): x is readonly [StdStream, Pending] => !!x[1])
      .sort((a, b) => a[1].seq - b[1].seq);
    for (const [stream, p] of open) out.push({ stream, time: p.time, data: Buffer.concat(p.parts, p.bytes) });
    this.pending.stdout = this.pending.stderr = undefined;
    return out;
  }
}
