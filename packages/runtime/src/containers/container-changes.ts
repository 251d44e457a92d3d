/**
 * @module containers/container-changes
 * `docker diff`: the upper dir's entries classified against the lower layers (moby
 * pkg/archive/changes.go semantics): a whiteout is Deleted; anything below an opaque dir is Added
 * (the lower contents are hidden); otherwise Modified when the path exists in the lower view, Added
 * when it does not. Parents of a change count as Modified. A directory that is in the upper dir only
 * because something was created and removed again below it (same mode and owner as below, no
 * change inside) is left out, as moby does.
 * The runtime's own bind-mount targets (/etc/hostname, /etc/hosts, /etc/resolv.conf, created empty
 * by runc) are not the user's changes: Docker keeps them in its init layer. See isRuntimeMountpoint.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChangeKind, ContainerChange } from './commit-types.js';
import { isRuntimeMountpoint, isWhiteout, scanUpper } from './upper-scan.js';

/** What the classifier needs to know of an upper entry (dir metadata only for directories). */
export interface ChangeEntry {
  path: string;
  whiteout: boolean;
  opaque: boolean;
  dir?: { mode: number; uid: number; gid: number };
}

/** The lower view's metadata of a path, or undefined when it does not exist below. */
export type LowerLookup = (p: string) => Promise<{ dir: boolean; mode: number; uid: number; gid: number } | undefined>;

export async function classifyChanges(entries: readonly ChangeEntry[], lowerHas: LowerLookup): Promise<ContainerChange[]> {
  const kinds = new Map<string, ChangeKind>();
  /** Dirs that exist below with identical metadata: kept only if something inside changed. */
  const sameDirs = new Set<string>();
  const opaque: string[] = [];
  const below = (p: string) => opaque.some((o) => p.startsWith(`${o}/`));
  // Look the lower view up for many entries at once (independent lstats overlap in the threadpool).
  const lows = new Map<string, Promise<Awaited<ReturnType<LowerLookup>>>>();
  const prefetch = (from: number) => {
    for (let i = from; i < Math.min(entries.length, from + LOOKAHEAD); i++) {
      const e = entries[i]!;
      if (!e.whiteout && !lows.has(e.path)) { const q = lowerHas(e.path); q.catch(() => undefined); lows.set(e.path, q); }
    }
  };
  for (const [i, e] of entries.entries()) {
    if (i % LOOKAHEAD === 0) prefetch(i);
    const hidden = below(e.path);
    let kind: ChangeKind;
    if (e.whiteout) {
      // A whiteout under an opaque dir hides nothing that is still visible.
      if (hidden) continue;
      kind = 2;
    } else if (hidden) {
      kind = 1;
    } else {
      const low = await (lows.get(e.path) ?? lowerHas(e.path));
      lows.delete(e.path);
      kind = low ? 0 : 1;
      if (low && e.dir && low.dir && !e.opaque && low.mode === e.dir.mode && low.uid === e.dir.uid && low.gid === e.dir.gid) sameDirs.add(e.path);
    }
    kinds.set(e.path, kind);
    if (e.opaque) opaque.push(e.path);
  }
  // Parents of every real change count as changed, even metadata-identical ones.
  const keep = new Map<string, ChangeKind>();
  for (const [p, kind] of kinds) {
    if (sameDirs.has(p)) continue;
    keep.set(p, kind);
    for (let d = path.posix.dirname(p); d !== '/' && !keep.has(d); d = path.posix.dirname(d)) keep.set(d, kinds.get(d) ?? 0);
  }
  return [...keep].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, kind]) => ({ path: p, kind }));
}

const LOOKAHEAD = 128;

/**
 * Metadata of `p` in the merged view of `lowers` (topmost first). A layer whose copy of the parent
 * directory is missing cannot hold `p`: parent lookups are memoized per layer, so 10k new files in
 * a new directory cost one lstat per layer for the directory instead of 10k.
 */
export function lowerLookup(lowers: readonly string[]): LowerLookup {
  type DirState = 'dir' | 'missing' | 'other';
  const dirIn = new Map<string, Promise<DirState>>();
  const dirState = (li: number, d: string): Promise<DirState> => {
    if (d === '/') return Promise.resolve('dir');
    const k = `${li}:${d}`;
    let v = dirIn.get(k);
    if (!v) {
      v = dirState(li, path.posix.dirname(d)).then(async (up): Promise<DirState> => {
        if (up !== 'dir') return up;
        try {
          return (await fs.lstat(path.join(lowers[li]!, d))).isDirectory() ? 'dir' : 'other';
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
          throw err;
        }
      });
      dirIn.set(k, v);
    }
    return v;
  };
  return async (p) => {
    for (const [li, l] of lowers.entries()) {
      const parent = await dirState(li, path.posix.dirname(p));
      if (parent === 'missing') continue;
      // A file (or whiteout) where a parent dir should be: this layer replaced the dir.
      if (parent === 'other') return undefined;
      try {
        const st = await fs.lstat(path.join(l, p));
        if (isWhiteout(st)) return undefined;
        return { dir: st.isDirectory(), mode: st.mode, uid: st.uid, gid: st.gid };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A file (or whiteout) where a parent dir should be: this layer replaced the dir.
        if (code === 'ENOTDIR') return undefined;
        if (code !== 'ENOENT') throw err;
      }
    }
    return undefined;
  };
}

export async function upperChanges(upper: string, lowers: readonly string[]): Promise<ContainerChange[]> {
  const entries = (await scanUpper(upper)).filter((e) => !isRuntimeMountpoint(e));
  return classifyChanges(entries.map((e) => ({
    path: e.path, whiteout: e.whiteout, opaque: e.opaque,
    ...(e.stat.isDirectory() ? { dir: { mode: e.stat.mode, uid: e.stat.uid, gid: e.stat.gid } } : {}),
  })), lowerLookup(lowers));
}
