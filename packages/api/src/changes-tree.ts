/**
 * @module changes-tree
 * `docker diff`'s flat, sorted change list → a tree the dashboard can draw one directory at a time:
 * each node carries its own kind (A/C/D) and the counts of changes below it. Built once per
 * container (cached briefly by the router: one scan of a 10,000-change writable layer serves every
 * expand of the tree), listed per directory with pagination.
 */
import type { ContainerChange } from '@berth/runtime';

export type ChangeLetter = 'A' | 'C' | 'D';

export interface ChangeCounts { A: number; C: number; D: number }

interface TreeNode { kind: ChangeLetter | null; counts: ChangeCounts; children: Map<string, TreeNode> }

export interface ChangeTreeEntry {
  name: string;
  path: string;
  /** null: not itself in the change list (only something below it changed). */
  kind: ChangeLetter | null;
  dir: boolean;
  /** Changes strictly below this entry. */
  counts: ChangeCounts;
}

export interface ChangeTreeListing {
  path: string;
  /** Every change below `path`. */
  counts: ChangeCounts;
  total: number;
  offset: number;
  entries: ChangeTreeEntry[];
}

const LETTER: Record<0 | 1 | 2, ChangeLetter> = { 0: 'C', 1: 'A', 2: 'D' };
const node = (): TreeNode => ({ kind: null, counts: { A: 0, C: 0, D: 0 }, children: new Map() });

export class ChangeTree {
  private readonly root = node();
  readonly size: number;

  constructor(changes: readonly ContainerChange[]) {
    this.size = changes.length;
    for (const c of changes) {
      const letter = LETTER[c.kind];
      let cur = this.root;
      for (const part of c.path.split('/').filter(Boolean)) {
        cur.counts[letter]++;
        let next = cur.children.get(part);
        if (!next) cur.children.set(part, (next = node()));
        cur = next;
      }
      cur.kind = letter;
    }
  }

  /** One page of the children of `dir`; dirs (entries with something below) first, then by name. */
  list(dir: string, offset = 0, limit = 500): ChangeTreeListing {
    const parts = dir.split('/').filter((s) => s && s !== '.');
    let cur: TreeNode | undefined = this.root;
    for (const p of parts) cur = cur?.children.get(p);
    const base = parts.length ? `/${parts.join('/')}` : '/';
    if (!cur) return { path: base, counts: { A: 0, C: 0, D: 0 }, total: 0, offset, entries: [] };
    const all = [...cur.children].map(([name, n]): ChangeTreeEntry => ({
      name, path: base === '/' ? `/${name}` : `${base}/${name}`, kind: n.kind, dir: n.children.size > 0, counts: { ...n.counts },
    }));
    all.sort((a, b) => (a.dir !== b.dir ? (a.dir ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { path: base, counts: { ...cur.counts }, total: all.length, offset, entries: all.slice(offset, offset + limit) };
  }
}
