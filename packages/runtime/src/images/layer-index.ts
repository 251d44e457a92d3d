/**
 * @module images/layer-index
 * Pure part of the layer explorer: given each layer's entries in overlay form (bottom layer first;
 * a whiteout deletes a path, an opaque dir hides everything below it in lower layers), builds one
 * directory index per layer with Docker-diff change kinds (A = new in this layer, C = the path
 * existed below, D = whiteout) and the "wasted" list: bytes of lower-layer files that a later layer
 * overwrote or deleted (still shipped in the image, invisible in the container).
 * Vocabulary: `merged` = the union view of the layers processed so far (what a container would see).
 */
import path from 'node:path';

export type LayerEntryType = 'file' | 'dir' | 'symlink' | 'other';
export type LayerChange = 'A' | 'C' | 'D';

/** One entry of a layer dir as the scanner reports it (parents before children). */
export interface RawLayerEntry {
  path: string;
  type: LayerEntryType;
  size: number;
  mode: number;
  whiteout: boolean;
  opaque: boolean;
}

export interface LayerTreeEntry {
  name: string;
  path: string;
  type: LayerEntryType;
  /** File size; for a deletion, the visible bytes it removed. */
  size: number;
  /** Permission bits (0o7777). */
  mode: number;
  change: LayerChange;
  /** Dirs: bytes of everything below it in this layer. */
  totalSize?: number;
  /** Dirs: entries directly below it in this layer. */
  children?: number;
}

export interface WastedItem {
  path: string;
  size: number;
  /** Layer (diffId index) that holds the bytes. */
  layer: number;
  /** Layer that overwrote or deleted it. */
  by: number;
  reason: 'overwritten' | 'deleted';
}

export interface LayerIndex {
  /** Parent dir path ('/' for the root) → its entries in this layer. */
  dirs: Map<string, LayerTreeEntry[]>;
  /** Dirs whose entry list was sorted already (sorted lazily, on first listing). */
  sorted: Set<string>;
  files: number;
  size: number;
}

export interface ImageAnalysis {
  layers: LayerIndex[];
  wasted: WastedItem[];
  wastedBytes: number;
}

export interface MergedNode { type: LayerEntryType; size: number; layer: number; children?: Map<string, MergedNode> }

export const newDir = (layer: number): MergedNode => ({ type: 'dir', size: 0, layer, children: new Map() });

function split(p: string): string[] { return p.split('/').filter(Boolean); }

/** The merged node at `p`, or undefined. */
function lookup(root: MergedNode, p: string): { parent: MergedNode; name: string; node: MergedNode | undefined } | undefined {
  const parts = split(p);
  let cur = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur.children?.get(parts[i]!);
    if (!next || !next.children) return undefined;
    cur = next;
  }
  const name = parts[parts.length - 1]!;
  return { parent: cur, name, node: cur.children?.get(name) };
}

/** Every regular file of a detached subtree becomes wasted. Returns the visible bytes removed. */
function wasteSubtree(node: MergedNode, p: string, by: number, reason: WastedItem['reason'], out: WastedItem[]): number {
  if (!node.children) {
    if (node.type === 'file' && node.size > 0) out.push({ path: p, size: node.size, layer: node.layer, by, reason });
    return node.size;
  }
  let n = 0;
  for (const [name, child] of node.children) n += wasteSubtree(child, p === '/' ? `/${name}` : `${p}/${name}`, by, reason, out);
  return n;
}

/** Ensures the parent dirs of `p` exist in the merged view (a layer may omit them in theory). */
function parentOf(root: MergedNode, p: string, layer: number): MergedNode {
  let cur = root;
  for (const part of split(path.posix.dirname(p))) {
    let next = cur.children!.get(part);
    if (!next || !next.children) { next = newDir(layer); cur.children!.set(part, next); }
    cur = next;
  }
  return cur;
}

/** Adds one layer (index `li`) on top of `merged`; returns its index and appends to `wasted`. */
export function applyLayerEntries(merged: MergedNode, li: number, entries: readonly RawLayerEntry[], wasted: WastedItem[]): LayerIndex {
  const dirs = new Map<string, LayerTreeEntry[]>();
  const dirEntries = new Map<string, LayerTreeEntry>();
  let files = 0;
  let size = 0;
  for (const e of entries) {
    const parentPath = path.posix.dirname(e.path);
    const name = path.posix.basename(e.path);
    const found = lookup(merged, e.path);
    const existing = found?.node;
    let te: LayerTreeEntry;
    if (e.whiteout) {
      let removed = 0;
      if (existing && found) {
        removed = wasteSubtree(existing, e.path, li, 'deleted', wasted);
        found.parent.children!.delete(found.name);
      }
      te = { name, path: e.path, type: existing?.type ?? 'other', size: removed, mode: 0, change: 'D' };
    } else {
      const parent = found?.parent ?? parentOf(merged, e.path, li);
      te = { name, path: e.path, type: e.type, size: e.type === 'dir' ? 0 : e.size, mode: e.mode & 0o7777, change: existing ? 'C' : 'A' };
      if (e.type === 'dir') {
        if (existing?.children && !e.opaque) {
          existing.layer = li;
        } else {
          // A dir replacing a file, or an opaque dir: everything below from lower layers is hidden.
          if (existing) wasteSubtree(existing, e.path, li, existing.children ? 'deleted' : 'overwritten', wasted);
          parent.children!.set(name, newDir(li));
        }
        te.totalSize = 0;
        te.children = 0;
        dirEntries.set(e.path, te);
      } else {
        if (existing) wasteSubtree(existing, e.path, li, existing.children ? 'deleted' : 'overwritten', wasted);
        parent.children!.set(name, { type: e.type, size: e.size, layer: li });
        if (e.type === 'file') { files++; size += e.size; }
      }
    }
    let list = dirs.get(parentPath);
    if (!list) dirs.set(parentPath, (list = []));
    list.push(te);
    const pd = dirEntries.get(parentPath);
    if (pd) pd.children! += 1;
  }
  // Dir totals: children come after parents in scan order, so a reverse pass sums bottom-up.
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.whiteout) continue;
    const own = e.type === 'dir' ? (dirEntries.get(e.path)?.totalSize ?? 0) : e.size;
    const pd = dirEntries.get(path.posix.dirname(e.path));
    if (pd) pd.totalSize! += own;
  }
  return { dirs, sorted: new Set(), files, size };
}

/** Builds every layer's index, bottom first. `entriesOf(i)` yields layer i's entries. */
export async function analyzeLayers(count: number, entriesOf: (i: number) => Promise<RawLayerEntry[]>): Promise<ImageAnalysis> {
  const merged = newDir(-1);
  const wasted: WastedItem[] = [];
  const layers: LayerIndex[] = [];
  for (let i = 0; i < count; i++) layers.push(applyLayerEntries(merged, i, await entriesOf(i), wasted));
  wasted.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  return { layers, wasted, wastedBytes: wasted.reduce((n, w) => n + w.size, 0) };
}

export interface LayerListing {
  path: string;
  total: number;
  offset: number;
  entries: LayerTreeEntry[];
}

/** One page of a layer dir: dirs first, then by name. */
export function listLayerDir(idx: LayerIndex, dir: string, offset = 0, limit = 500): LayerListing {
  const p = normalizeDir(dir);
  const list = idx.dirs.get(p) ?? [];
  if (!idx.sorted.has(p)) {
    list.sort((a, b) => (a.type === 'dir') !== (b.type === 'dir') ? (a.type === 'dir' ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    idx.sorted.add(p);
  }
  return { path: p, total: list.length, offset, entries: list.slice(offset, offset + limit) };
}

export function normalizeDir(dir: string): string {
  const p = path.posix.normalize(`/${dir}`);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}
