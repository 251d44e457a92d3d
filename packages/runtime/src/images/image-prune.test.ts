import { describe, expect, it } from 'vitest';
import type { Digest, ImageDeleteItem, ImageRecord } from './image-types.js';
import { pruneImages } from './image-prune.js';
import { parseUntil, pruneMatcher } from '../containers/prune-filter.js';
import { chainIds } from '../system/disk-usage.js';

const img = (id: string, o: Partial<ImageRecord> = {}): ImageRecord => ({
  id: `sha256:${id}` as Digest, repoTags: [], repoDigests: [], created: '2026-01-01T00:00:00Z', author: '', comment: '',
  architecture: 'amd64', os: 'linux', config: {}, diffIds: [], history: [], chainId: null, size: 10, parent: '', labels: {}, ...o,
});

function fakeStore(images: ImageRecord[], used: string[] = []) {
  const removed: string[] = [];
  return {
    removed,
    deps: {
      list: async () => images.filter((i) => !removed.includes(i.id)),
      remove: async (r: string): Promise<ImageDeleteItem[]> => { removed.push(r); return [{ deleted: r }]; },
      inUse: async (id: string) => used.includes(id),
    },
  };
}

describe('pruneImages', () => {
  it('dangling only by default; skips used images and parents; sums sizes', async () => {
    const s = fakeStore([img('a'), img('b', { repoTags: ['x:1'] }), img('c'), img('d', { parent: 'sha256:e' }), img('e')], ['sha256:c']);
    const r = await pruneImages(s.deps);
    expect(s.removed).toEqual(['sha256:a', 'sha256:d']);
    expect(r.spaceReclaimed).toBe(20);
  });

  it('dangling=false prunes tagged unused images too, honouring label and until filters', async () => {
    const s = fakeStore([img('a', { repoTags: ['x:1'], labels: { keep: '1' } }), img('b', { repoTags: ['y:1'] }), img('n', { created: new Date().toISOString() })]);
    await pruneImages(s.deps, { dangling: false, notLabels: ['keep'], until: '1h' });
    expect(s.removed).toEqual(['sha256:b']);
  });
});

describe('prune filters', () => {
  it('parses until as unix seconds, RFC 3339 and Go durations', () => {
    expect(parseUntil('1700000000')).toBe(1_700_000_000_000);
    expect(parseUntil('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(parseUntil('1h30m', 10_000_000)).toBe(10_000_000 - 5_400_000);
    expect(() => parseUntil('yesterday')).toThrow(/failed to parse/);
  });
  it('matches labels and label!', () => {
    const m = pruneMatcher({ labels: ['a=1'], notLabels: ['b'] });
    expect(m('2026-01-01T00:00:00Z', { a: '1' })).toBe(true);
    expect(m('2026-01-01T00:00:00Z', { a: '1', b: '' })).toBe(false);
    expect(m('2026-01-01T00:00:00Z', { a: '2' })).toBe(false);
  });
});

describe('chainIds', () => {
  it('follows the OCI chain id definition', () => {
    const d1 = 'sha256:aa' as Digest;
    const d2 = 'sha256:bb' as Digest;
    const [c1, c2] = chainIds([d1, d2]);
    expect(c1).toBe(d1);
    expect(c2).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
