import { describe, expect, it } from 'vitest';
import { containerAbsPath, goFileMode } from './container-archive.js';

describe('containerAbsPath (moby ResolvePath input rules, stricter on ..)', () => {
  it.each([
    ['foo/bar', '/foo/bar'],
    ['/foo//bar/', '/foo/bar/'],
    ['/foo/bar/.', '/foo/bar/.'],
    ['/a/../b', '/b'],
    ['/', '/'],
    ['.', '/.'],
  ])('%s → %s', (p, abs) => {
    expect(containerAbsPath(p)).toBe(abs);
  });

  it.each([
    ['', /path cannot be empty/],
    ['/etc/\0shadow', /NUL/],
    ['../../../../etc/shadow', /climbs above/],
    ['/a/../../etc', /climbs above/],
    ['a'.repeat(65536), /longer than/],
  ])('rejects %j', (p, re) => {
    expect(() => containerAbsPath(p)).toThrow(re);
  });
});

describe('goFileMode', () => {
  it('maps unix types to Go os.FileMode bits', () => {
    expect(goFileMode({ mode: 0o040755 })).toBe((2 ** 31 + 0o755) >>> 0);
    expect(goFileMode({ mode: 0o120777 })).toBe(2 ** 27 + 0o777);
    expect(goFileMode({ mode: 0o100644 })).toBe(0o644);
    expect(goFileMode({ mode: 0o104755 })).toBe(2 ** 23 + 0o755);
    expect(goFileMode({ mode: 0o020666 })).toBe(2 ** 26 + 2 ** 21 + 0o666);
  });
});
