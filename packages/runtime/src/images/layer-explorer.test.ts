import { describe, expect, it } from 'vitest';
import { LayerExplorer } from './layer-explorer.js';
import type { RawLayerEntry } from './layer-index.js';
import type { Digest, ImageRecord } from './image-types.js';

const f = (p: string, size = 0, extra: Partial<RawLayerEntry> = {}): RawLayerEntry =>
  ({ path: p, type: 'file', size, mode: 0o100644, whiteout: false, opaque: false, ...extra });
const d = (p: string, extra: Partial<RawLayerEntry> = {}): RawLayerEntry =>
  ({ path: p, type: 'dir', size: 0, mode: 0o40755, whiteout: false, opaque: false, ...extra });
const wh = (p: string): RawLayerEntry => ({ path: p, type: 'other', size: 0, mode: 0o20000, whiteout: true, opaque: false });

const layers: RawLayerEntry[][] = [
  [d('/bin'), f('/bin/sh', 100), d('/etc'), f('/etc/passwd', 10), d('/opt'), f('/opt/a', 5), d('/opt/sub'), f('/opt/sub/b', 7)],
  [d('/etc'), f('/etc/passwd', 12), f('/etc/new', 3), wh('/bin/sh')],
  [d('/opt', { opaque: true }), f('/opt/c', 1)],
];

function explorer(scans: { n: number }) {
  const img = {
    id: 'sha256:img', diffIds: ['sha256:a', 'sha256:b', 'sha256:c'] as Digest[],
    history: [{ createdBy: 'ADD rootfs' }, { createdBy: 'ENV X=1', emptyLayer: true }, { createdBy: 'RUN edit' }, { createdBy: 'RUN opt' }],
  } as unknown as ImageRecord;
  const dirs = new Map<string, number>();
  return new LayerExplorer({
    resolve: async () => img,
    layerDir: async (c) => { if (!dirs.has(c)) dirs.set(c, dirs.size); return `/layer/${dirs.get(c)}`; },
    scan: async (dir) => { scans.n++; return layers[Number(dir.split('/').pop())]!; },
  });
}

describe('LayerExplorer', () => {
  it('lists layers aligned with history, with sizes', async () => {
    const rows = await explorer({ n: 0 }).layers('x');
    expect(rows.map((r) => [r.layer, r.emptyLayer, r.createdBy, r.size, r.files])).toEqual([
      [0, false, 'ADD rootfs', 122, 4], [null, true, 'ENV X=1', 0, 0], [1, false, 'RUN edit', 15, 2], [2, false, 'RUN opt', 1, 1],
    ]);
  });

  it('marks A/C/D per layer and sums dir totals', async () => {
    const x = explorer({ n: 0 });
    const root0 = await x.layerTree('x', 0, '/');
    expect(root0.entries.map((e) => [e.name, e.change, e.totalSize])).toEqual([['bin', 'A', 100], ['etc', 'A', 10], ['opt', 'A', 12]]);
    const etc1 = await x.layerTree('x', 1, '/etc');
    expect(etc1.entries.map((e) => [e.name, e.change, e.size])).toEqual([['new', 'A', 3], ['passwd', 'C', 12]]);
    const bin1 = await x.layerTree('x', 1, '/bin');
    expect(bin1.entries).toEqual([expect.objectContaining({ name: 'sh', change: 'D', type: 'file', size: 100 })]);
    const root2 = await x.layerTree('x', 2, '/');
    expect(root2.entries[0]).toMatchObject({ name: 'opt', change: 'C', totalSize: 1, children: 1 });
  });

  it('paginates a directory', async () => {
    const x = explorer({ n: 0 });
    const page = await x.layerTree('x', 0, '/', { offset: 1, limit: 1 });
    expect(page).toMatchObject({ total: 3, offset: 1 });
    expect(page.entries.map((e) => e.name)).toEqual(['etc']);
  });

  it('reports overwritten and deleted bytes, largest first', async () => {
    const w = await explorer({ n: 0 }).wasted('x');
    expect(w.items).toEqual([
      { path: '/bin/sh', size: 100, layer: 0, by: 1, reason: 'deleted' },
      { path: '/etc/passwd', size: 10, layer: 0, by: 1, reason: 'overwritten' },
      { path: '/opt/sub/b', size: 7, layer: 0, by: 2, reason: 'deleted' },
      { path: '/opt/a', size: 5, layer: 0, by: 2, reason: 'deleted' },
    ]);
    expect(w.totalBytes).toBe(122);
  });

  it('scans each layer once across calls and rejects a bad layer index', async () => {
    const scans = { n: 0 };
    const x = explorer(scans);
    await Promise.all([x.layers('x'), x.layerTree('x', 1, '/'), x.wasted('x')]);
    await x.layerTree('x', 2, '/opt');
    expect(scans.n).toBe(3);
    await expect(x.layerTree('x', 3, '/')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
