import { describe, expect, it } from 'vitest';
import { ChangeTree } from './changes-tree.js';

describe('ChangeTree', () => {
  const t = new ChangeTree([
    { path: '/etc', kind: 0 }, { path: '/etc/a', kind: 1 }, { path: '/etc/b', kind: 0 }, { path: '/tmp', kind: 0 },
    { path: '/tmp/x', kind: 2 }, { path: '/new', kind: 1 }, { path: '/new/deep', kind: 1 }, { path: '/new/deep/f', kind: 1 }, { path: '/z', kind: 1 },
  ]);

  it('lists one directory with its own kind and the counts below', () => {
    const root = t.list('/');
    expect(root.counts).toEqual({ A: 5, C: 3, D: 1 });
    expect(root.entries.map((e) => [e.name, e.kind, e.dir, e.counts])).toEqual([
      ['etc', 'C', true, { A: 1, C: 1, D: 0 }], ['new', 'A', true, { A: 2, C: 0, D: 0 }],
      ['tmp', 'C', true, { A: 0, C: 0, D: 1 }], ['z', 'A', false, { A: 0, C: 0, D: 0 }],
    ]);
    expect(t.list('/new/deep').entries).toEqual([{ name: 'f', path: '/new/deep/f', kind: 'A', dir: false, counts: { A: 0, C: 0, D: 0 } }]);
  });

  it('paginates and answers an unknown path with nothing', () => {
    expect(t.list('/', 1, 2).entries.map((e) => e.name)).toEqual(['new', 'tmp']);
    expect(t.list('/nope')).toMatchObject({ total: 0, entries: [] });
  });

  it('builds a 10,000-change tree', () => {
    const changes = Array.from({ length: 10_000 }, (_, i) => ({ path: `/data/d${i % 100}/f${i}`, kind: 1 as const }));
    const big = new ChangeTree(changes);
    const l = big.list('/data/d7');
    expect(l.total).toBe(100);
    expect(big.list('/').counts.A).toBe(10_000);
  });
});
