import { describe, expect, it } from 'vitest';
import { canSkipDir, cleanPattern, isIgnored, parseDockerignore } from './dockerignore.js';

const ign = (text: string, p: string) => isIgnored(parseDockerignore(text), p);

describe('.dockerignore', () => {
  it('skips comments and blanks and cleans patterns', () => {
    expect(parseDockerignore('# c\n\n  /a/./b/  \n!x\n').map((p) => [p.exclusion, p.text])).toEqual([[false, 'a/b'], [true, 'x']]);
    expect(cleanPattern('./a/../b//c/')).toBe('b/c');
  });

  it('a pattern matching a directory excludes everything below it', () => {
    expect(ign('tarsrc', 'tarsrc/sub/t.txt')).toBe(true);
    expect(ign('tarsrc', 'tarsrcx')).toBe(false);
  });

  it('globs stay within one component; ** crosses any number', () => {
    expect(ign('*.txt', 'a.txt')).toBe(true);
    expect(ign('*.txt', 'd/a.txt')).toBe(false);
    expect(ign('*/*.txt', 'd/a.txt')).toBe(true);
    expect(ign('**/*.txt', 'd/e/a.txt')).toBe(true);
    expect(ign('**/*.txt', 'a.txt')).toBe(true);
    expect(ign('a?c', 'abc')).toBe(true);
    expect(ign('[a-c]x', 'bx')).toBe(true);
    expect(ign('[^a-c]x', 'bx')).toBe(false);
  });

  it('the last matching pattern wins; ! re-includes', () => {
    const text = '*.md\n!README.md\nREADME-secret.md\n';
    expect(ign(text, 'a.md')).toBe(true);
    expect(ign(text, 'README.md')).toBe(false);
    expect(ign('docs\n!docs/keep.txt\n', 'docs/keep.txt')).toBe(false);
    expect(ign('docs\n!docs/keep.txt\n', 'docs/other.txt')).toBe(true);
    expect(ign('!a\na\n', 'a')).toBe(true);
  });

  it('only skips a directory when no exception can reach inside', () => {
    expect(canSkipDir(parseDockerignore('docs\n'), 'docs')).toBe(true);
    expect(canSkipDir(parseDockerignore('docs\n!docs/keep.txt\n'), 'docs')).toBe(false);
    expect(canSkipDir(parseDockerignore('other\n'), 'docs')).toBe(false);
  });
});
