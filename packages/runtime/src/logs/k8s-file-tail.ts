/**
 * @module logs/k8s-file-tail
 * Finds where to start parsing so that the last N log entries are covered, by reading the files
 * backwards in large chunks instead of parsing everything. An entry ends with exactly one `F`
 * record; an unfinished `P` chain at the very end counts as one entry too (unless following). Once N are counted, the
 * scan goes on a little to pick up the `P` records that begin the oldest counted entries (they may
 * be interleaved with the other stream). The caller parses forward from the position and keeps the
 * last N entries, which drops any extra, older ones the position let in.
 */
import type { FileHandle } from 'node:fs/promises';
import type { StdStream } from '../containers/container-types.js';
import { parseRecord } from './k8s-file-format.js';

const NL = 0x0a;
export const TAIL_CHUNK = 1024 * 1024;
/** How far past the N-th entry to look for the P records that start it. */
const CHAIN_LOOKBACK = 1024 * 1024;

export interface TailFile {
  fh: FileHandle;
  /** Bytes to consider (the size when the read began). */
  size: number;
}

export interface TailStart {
  /** Index into the files (oldest first). */
  file: number;
  offset: number;
}

/**
 * `countOpenChains`: whether an unfinished P chain at the end counts as an entry. It does when the
 * read ends at EOF (the chain is emitted without "\n"), not when following (it is emitted later,
 * once its F arrives, after the N history entries).
 */
export async function findTailStart(
  files: readonly TailFile[], n: number, opts: { chunkSize?: number; countOpenChains?: boolean } = {},
): Promise<TailStart> {
  const chunkSize = opts.chunkSize ?? TAIL_CHUNK;
  const countOpen = opts.countOpenChains ?? true;
  const lastIdx = files.length - 1;
  let start: TailStart = { file: Math.max(0, lastIdx), offset: lastIdx >= 0 ? files[lastIdx]!.size : 0 };
  if (n <= 0 || lastIdx < 0) return start;

  let count = 0;
  let reached = false;
  let lookback = 0;
  const seen: Record<StdStream, boolean> = { stdout: false, stderr: false };
  const need: Record<StdStream, boolean> = { stdout: false, stderr: false };

  /** Visits one record; returns true when the scan can stop. */
  const visit = (buf: Buffer, a: number, b: number, fileIdx: number, offset: number): boolean => {
    const end = b > a && buf[b - 1] === NL ? b - 1 : b;
    const r = parseRecord(buf, a, end);
    if (!r) return false;
    const s = r.stream;
    if (!reached) {
      if (!r.partial || (!seen[s] && countOpen)) count++;
      seen[s] = true;
      need[s] = true;
      start = { file: fileIdx, offset };
      if (count >= n) reached = true;
      return false;
    }
    lookback += b - a;
    if (need[s]) {
      if (r.partial) start = { file: fileIdx, offset };
      else need[s] = false;
    }
    return (!need.stdout && !need.stderr) || lookback > CHAIN_LOOKBACK;
  };

  for (let fi = lastIdx; fi >= 0; fi--) {
    const f = files[fi]!;
    let regionEnd = f.size; // [0, regionEnd) is unvisited and regionEnd is a line boundary
    let size = chunkSize;
    while (regionEnd > 0) {
      const cs = Math.max(0, regionEnd - size);
      const buf = Buffer.allocUnsafe(regionEnd - cs);
      const { bytesRead } = await f.fh.read(buf, 0, buf.length, cs);
      if (bytesRead < buf.length) return start; // file shrank under us; parse from what we have
      let p = buf.length;
      while (p > 0) {
        const from = buf[p - 1] === NL ? p - 2 : p - 1;
        const nl = from >= 0 ? buf.lastIndexOf(NL, from) : -1;
        if (nl < 0 && cs > 0) break; // the line starts in an earlier chunk
        const a = nl + 1;
        if (visit(buf, a, p, fi, cs + a)) return start;
        p = a;
      }
      if (p === buf.length && cs > 0) size *= 2; // one line longer than the chunk
      else size = chunkSize;
      regionEnd = cs + p;
    }
  }
  return start;
}
