import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from './image-types.js';
import { ImageStore, type StoredImage } from './image-store.js';
import { parseReference } from './reference.js';

const id = (c: string, rest = c): Digest => `sha256:${c}${rest.repeat(63)}` as Digest;

function image(imageId: Digest, labels?: Record<string, string>): StoredImage {
  return {
    id: imageId, created: '2024-01-01T00:00:00.000Z', author: '', comment: '', architecture: 'amd64', os: 'linux',
    config: labels ? { labels } : {}, diffIds: [id('d')], layerSizes: [10], history: [], chainId: id('d'), size: 10,
    parent: '', layers: [], recordedAt: '2024-01-01T00:00:00.000Z',
  };
}

let root: string;
beforeEach(async () => { root = await fs.mkdtemp(path.join(os.tmpdir(), 'bt-is-')); });
afterEach(async () => { await fs.rm(root, { recursive: true, force: true }); });

describe('ImageStore', () => {
  it('persists images and references and reloads them', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a'), { k: 'v' }));
    await s.addReference(parseReference('busybox'), id('a'));
    await s.addReference(parseReference('127.0.0.1:5000/x/y:v1'), id('a'));
    const again = await ImageStore.open(root);
    expect(again.get(id('a'))?.config.labels).toEqual({ k: 'v' });
    const rec = again.toRecord(again.get(id('a'))!);
    expect(rec.repoTags).toEqual(['127.0.0.1:5000/x/y:v1', 'busybox:latest']);
    expect(rec.labels).toEqual({ k: 'v' });
    const repos = JSON.parse(await fs.readFile(path.join(root, 'repositories.json'), 'utf8'));
    expect(repos).toEqual({ Repositories: { '127.0.0.1:5000/x/y': { '127.0.0.1:5000/x/y:v1': id('a') }, busybox: { 'busybox:latest': id('a') } } });
    expect(await fs.readdir(path.join(root, 'images'))).toEqual([`${'a'.repeat(64)}.json`]);
  });

  it('looks up equivalent reference spellings', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a')));
    await s.addReference(parseReference('busybox:latest'), id('a'));
    for (const r of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'docker.io/busybox']) {
      expect(s.lookupReference(parseReference(r)), r).toBe(id('a'));
    }
    expect(s.lookupReference(parseReference('busybox:1'))).toBeUndefined();
  });

  it('stores digests separately and looks up tag+digest by digest', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a')));
    const dg = id('f');
    await s.addReference(parseReference(`x@${dg}`), id('a'));
    expect(s.lookupReference(parseReference(`x:whatever@${dg}`))).toBe(id('a'));
    expect(s.toRecord(s.get(id('a'))!).repoDigests).toEqual([`x@${dg}`]);
    expect(s.toRecord(s.get(id('a'))!).repoTags).toEqual([]);
  });

  it('searches ids by full id, bare hex and unique prefix', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a', 'b')));
    await s.put(image(id('a', 'c')));
    await s.put(image(id('e')));
    expect(s.search(id('e'))).toBe(id('e'));
    expect(s.search('e'.repeat(64))).toBe(id('e'));
    expect(s.search('e')).toBe(id('e'));
    expect(s.search('sha256:ee')).toBe(id('e'));
    expect(s.search('a')).toBeUndefined(); // ambiguous
    expect(s.search('ab')).toBe(id('a', 'b'));
    expect(s.search('f')).toBeUndefined();
    expect(s.search('busybox')).toBeUndefined();
    expect(s.search('f'.repeat(64))).toBeUndefined();
  });

  it('moves tags and deletes images with their references', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a')));
    await s.put(image(id('b')));
    await s.addReference(parseReference('x:1'), id('a'));
    expect(await s.addReference(parseReference('x:1'), id('b'))).toBe(id('a'));
    expect(s.references(id('a'))).toEqual([]);
    await s.addReference(parseReference('y'), id('b'));
    await s.delete(id('b'));
    const again = await ImageStore.open(root);
    expect(again.list().map((i) => i.id)).toEqual([id('a')]);
    expect(again.lookupReference(parseReference('x:1'))).toBeUndefined();
    expect(await again.deleteReference(parseReference('y'))).toBe(false);
  });

  it('serializes concurrent mutations', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a')));
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.addReference(parseReference(`r${i}`), id('a'))));
    const again = await ImageStore.open(root);
    expect(again.references(id('a'))).toHaveLength(20);
  });

  it('skips corrupt files and dangling references on load', async () => {
    const s = await ImageStore.open(root);
    await s.put(image(id('a')));
    await s.addReference(parseReference('x'), id('a'));
    await fs.writeFile(path.join(root, 'images', `${'b'.repeat(64)}.json`), '{not json');
    await fs.writeFile(path.join(root, 'images', `.${'c'.repeat(64)}.json.123.tmp`), '{}');
    await fs.rm(path.join(root, 'images', `${'a'.repeat(64)}.json`));
    const again = await ImageStore.open(root);
    expect(again.list()).toEqual([]);
    expect(again.warnings).toHaveLength(2);
  });

  it('refuses references to unknown images', async () => {
    const s = await ImageStore.open(root);
    await expect(s.addReference(parseReference('x'), id('a'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
