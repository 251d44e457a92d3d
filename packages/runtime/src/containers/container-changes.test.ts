import { describe, expect, it } from 'vitest';
import { classifyChanges, type ChangeEntry, type LowerLookup } from './container-changes.js';
import { devMajorMinor, parseOpaqueDirs } from './upper-scan.js';

const DIR = { mode: 0o40755, uid: 0, gid: 0 };
const lowerOf = (paths: Record<string, typeof DIR | 'file'>): LowerLookup => async (p) => {
  const v = paths[p];
  if (!v) return undefined;
  return v === 'file' ? { dir: false, mode: 0o100644, uid: 0, gid: 0 } : { dir: true, ...v };
};
const f = (path: string, extra: Partial<ChangeEntry> = {}): ChangeEntry => ({ path, whiteout: false, opaque: false, ...extra });
const d = (path: string, extra: Partial<ChangeEntry> = {}): ChangeEntry => f(path, { dir: DIR, ...extra });

describe('classifyChanges', () => {
  it('marks whiteouts D, lower paths C, new paths A, and parents C', async () => {
    const lower = lowerOf({ '/etc': DIR, '/etc/group': 'file', '/bin': DIR, '/bin/vi': 'file' });
    const out = await classifyChanges([
      f('/added.txt'), d('/bin'), f('/bin/vi', { whiteout: true }), d('/etc'), f('/etc/group'), d('/newdir'),
    ], lower);
    expect(out).toEqual([
      { path: '/added.txt', kind: 1 }, { path: '/bin', kind: 0 }, { path: '/bin/vi', kind: 2 },
      { path: '/etc', kind: 0 }, { path: '/etc/group', kind: 0 }, { path: '/newdir', kind: 1 },
    ]);
  });

  it('reports everything below an opaque dir as added, and drops whiteouts there', async () => {
    const lower = lowerOf({ '/data': DIR, '/data/x': 'file', '/data/y': 'file' });
    const out = await classifyChanges([
      d('/data', { opaque: true }), f('/data/x'), f('/data/y', { whiteout: true }),
    ], lower);
    expect(out).toEqual([{ path: '/data', kind: 0 }, { path: '/data/x', kind: 1 }]);
  });

  it('drops a dir that is only copied up (same metadata, nothing inside changed) but keeps parents of changes', async () => {
    const lower = lowerOf({ '/tmp': DIR, '/a': DIR, '/a/b': DIR });
    const out = await classifyChanges([d('/a'), d('/a/b'), f('/a/b/c'), d('/tmp')], lower);
    expect(out).toEqual([{ path: '/a', kind: 0 }, { path: '/a/b', kind: 0 }, { path: '/a/b/c', kind: 1 }]);
    const chmodded = await classifyChanges([d('/tmp', { dir: { ...DIR, mode: 0o41777 } })], lower);
    expect(chmodded).toEqual([{ path: '/tmp', kind: 0 }]);
  });

  it('returns nothing for an empty upper dir', async () => {
    expect(await classifyChanges([], lowerOf({}))).toEqual([]);
  });
});

describe('parseOpaqueDirs', () => {
  it('keeps only dirs whose opaque xattr is y, unescaping octal names', () => {
    const out = [
      '# file: /u/data', 'trusted.overlay.opaque="y"', '',
      '# file: /u/odd\\012name', 'trusted.overlay.opaque="y"', '',
      '# file: /u/other', 'trusted.overlay.opaque="x"', '',
    ].join('\n');
    expect([...parseOpaqueDirs(out)]).toEqual(['/u/data', '/u/odd\nname']);
  });
});

describe('devMajorMinor', () => {
  it('splits dev_t as glibc does', () => {
    expect(devMajorMinor(0)).toEqual({ major: 0, minor: 0 });
    expect(devMajorMinor((1 << 8) | 3)).toEqual({ major: 1, minor: 3 }); // /dev/null
    expect(devMajorMinor((136 << 8) | 0x12 | (0x3 << 20))).toEqual({ major: 136, minor: 0x312 });
  });
});
