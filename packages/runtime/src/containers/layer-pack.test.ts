import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { headersFor } from './layer-pack.js';
import type { UpperEntry } from './upper-scan.js';

type Kind = 'file' | 'dir' | 'link' | 'char' | 'fifo';
function stat(kind: Kind, extra: Partial<Stats> = {}): Stats {
  const is = (k: Kind) => () => kind === k;
  return {
    mode: 0o644, uid: 1, gid: 2, size: 5, mtime: new Date(0), nlink: 1, dev: 9, ino: 7, rdev: 0,
    isFile: is('file'), isDirectory: is('dir'), isSymbolicLink: is('link'), isCharacterDevice: is('char'),
    isBlockDevice: () => false, isFIFO: is('fifo'), isSocket: () => false, ...extra,
  } as unknown as Stats;
}
const entry = (path: string, st: Stats, extra: Partial<UpperEntry> = {}): UpperEntry => ({ path, stat: st, whiteout: false, opaque: false, ...extra });

describe('headersFor', () => {
  it('turns an overlay whiteout (char 0/0) into an empty .wh. file', () => {
    const h = headersFor(entry('/bin/vi', stat('char'), { whiteout: true }), new Map());
    expect(h).toHaveLength(1);
    expect(h[0]).toMatchObject({ name: 'bin/.wh.vi', type: 'file', size: 0 });
  });

  it('adds .wh..wh..opq after an opaque dir', () => {
    const h = headersFor(entry('/data', stat('dir', { mode: 0o40750 }), { opaque: true }), new Map());
    expect(h.map((x) => [x.name, x.type, x.size])).toEqual([['data', 'directory', 0], ['data/.wh..wh..opq', 'file', 0]]);
    expect(h[0]!.mode).toBe(0o750);
  });

  it('keeps files, symlinks, devices and hard links', () => {
    const links = new Map<string, string>();
    expect(headersFor(entry('/a', stat('file', { nlink: 2 })), links)[0]).toMatchObject({ name: 'a', type: 'file', size: 5, uid: 1, gid: 2 });
    expect(headersFor(entry('/b', stat('file', { nlink: 2 })), links)[0]).toMatchObject({ name: 'b', type: 'link', linkname: 'a', size: 0 });
    expect(headersFor(entry('/s', stat('link')), links, '/etc/x')[0]).toMatchObject({ type: 'symlink', linkname: '/etc/x' });
    expect(headersFor(entry('/dev/null', stat('char', { rdev: (1 << 8) | 3 })), links)[0])
      .toMatchObject({ type: 'character-device', devmajor: 1, devminor: 3 });
    expect(headersFor(entry('/p', stat('fifo')), links)[0]).toMatchObject({ type: 'fifo' });
  });
});
