import { describe, expect, it } from 'vitest';
import type { Digest, ImageRecord, ImageReference } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { filterImages, type ListCandidate } from './image-queries.js';

const stored = (id: string, o: Partial<StoredImage> = {}): StoredImage => ({
  id: `sha256:${id}` as Digest, created: '2026-01-01T00:00:00Z', author: '', comment: '', architecture: 'amd64', os: 'linux',
  config: {}, diffIds: [], layerSizes: [], history: [], chainId: null, size: 1, parent: '', layers: [], recordedAt: '', ...o,
});
const tag = (familiar: string): ImageReference => ({ domain: 'docker.io', path: `library/${familiar}`, familiar: `${familiar}:latest`, tag: 'latest' });
const toRecord = (i: StoredImage) => ({ id: i.id, parent: i.parent }) as unknown as ImageRecord;

describe('filterImages', () => {
  // A build: base ← step1 ← step2 (tagged app). step1 is an untagged intermediate; orphan is dangling.
  const candidates: ListCandidate[] = [
    { image: stored('base'), refs: [tag('busybox')] },
    { image: stored('step1', { parent: 'sha256:base' }), refs: [] },
    { image: stored('step2', { parent: 'sha256:step1' }), refs: [tag('app')] },
    { image: stored('orphan'), refs: [] },
  ];
  const ids = (r: ImageRecord[]) => r.map((i) => i.id).sort();

  it('hides untagged images with children unless all', () => {
    expect(ids(filterImages(candidates, {}, toRecord))).toEqual(['sha256:base', 'sha256:orphan', 'sha256:step2']);
    expect(ids(filterImages(candidates, { all: true }, toRecord))).toEqual(['sha256:base', 'sha256:orphan', 'sha256:step1', 'sha256:step2']);
  });

  it('an intermediate image is not dangling', () => {
    expect(ids(filterImages(candidates, { dangling: true }, toRecord))).toEqual(['sha256:orphan']);
  });
});
