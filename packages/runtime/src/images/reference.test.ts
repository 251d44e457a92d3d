import { describe, expect, it } from 'vitest';
import {
  familiarMatch, familiarName, familiarString, isFullImageId, parseReference, referenceString, repoTagReference, shortId,
  toImageId, tryParseReference,
} from './reference.js';

const D = `sha256:${'a'.repeat(64)}` as const;

function invalid(s: string): string {
  try {
    parseReference(s);
  } catch (err) {
    expect((err as { code: string }).code).toBe('INVALID_ARGUMENT');
    return (err as Error).message;
  }
  throw new Error(`expected ${s} to be rejected`);
}

describe('parseReference', () => {
  it('normalizes an official image', () => {
    const r = parseReference('busybox');
    expect(r).toEqual({ domain: 'docker.io', path: 'library/busybox', tag: 'latest', familiar: 'busybox:latest' });
    expect(familiarName(r)).toBe('busybox');
    expect(referenceString(r)).toBe('docker.io/library/busybox:latest');
  });

  it('treats the long forms as the same reference', () => {
    for (const s of ['busybox:latest', 'docker.io/busybox', 'docker.io/library/busybox:latest', 'index.docker.io/library/busybox']) {
      expect(parseReference(s).familiar).toBe('busybox:latest');
    }
  });

  it('keeps user repositories', () => {
    const r = parseReference('user/app:v1');
    expect(r).toMatchObject({ domain: 'docker.io', path: 'user/app', tag: 'v1', familiar: 'user/app:v1' });
    expect(familiarName(r)).toBe('user/app');
  });

  it('recognizes registries with a port, localhost and ipv6', () => {
    const r = parseReference('127.0.0.1:5000/a/b:v1');
    expect(r).toMatchObject({ domain: '127.0.0.1:5000', path: 'a/b', tag: 'v1' });
    expect(familiarName(r)).toBe('127.0.0.1:5000/a/b');
    expect(familiarString(r)).toBe('127.0.0.1:5000/a/b:v1');
    expect(parseReference('localhost/x')).toMatchObject({ domain: 'localhost', path: 'x', familiar: 'localhost/x:latest' });
    expect(parseReference('localhost:5000/x').domain).toBe('localhost:5000');
    expect(parseReference('[::1]:5000/x:1').domain).toBe('[::1]:5000');
    expect(parseReference('example.com/x').familiar).toBe('example.com/x:latest');
    // A first component without '.', ':' or uppercase is a path, not a host.
    expect(parseReference('registry/x')).toMatchObject({ domain: 'docker.io', path: 'registry/x' });
    expect(parseReference('docker.io/library/a/b').familiar).toBe('library/a/b:latest');
  });

  it('parses digests, with and without tags', () => {
    const r = parseReference(`x@${D}`);
    expect(r).toEqual({ domain: 'docker.io', path: 'library/x', digest: D, familiar: `x@${D}` });
    expect(r.tag).toBeUndefined();
    const t = parseReference(`x:tag@${D}`);
    expect(t).toMatchObject({ tag: 'tag', digest: D, familiar: `x:tag@${D}` });
  });

  it('can skip the default tag', () => {
    expect(parseReference('x', { defaultTag: false }).tag).toBeUndefined();
  });

  it('accepts the separators of the grammar', () => {
    for (const s of ['a.b', 'a_b', 'a__b', 'a-b', 'a---b', 'a/b.c-d__e', 'x:A_b.c-1', `x:${'t'.repeat(128)}`]) {
      expect(tryParseReference(s), s).toBeDefined();
    }
  });

  it('rejects malformed references with Docker messages', () => {
    expect(invalid('UPPER')).toBe('invalid reference format: repository name (library/UPPER) must be lowercase');
    expect(invalid('a/B')).toBe('invalid reference format: repository name (a/B) must be lowercase');
    for (const s of ['a__-b', 'a..b', '-a', 'a-', 'a:', 'a:-x', `x:${'t'.repeat(129)}`, 'a b', 'a/', '/a', 'a//b', 'a@sha256:xyz', ':tag']) {
      expect(invalid(s), s).toBe('invalid reference format');
    }
    expect(invalid('')).toBe('invalid reference format');
    expect(invalid('a'.repeat(64))).toBe(`invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`);
    expect(invalid(`x@sha256:${'a'.repeat(40)}`)).toBe('invalid checksum digest length');
    expect(invalid(`x@sha512:${'a'.repeat(64)}`)).toBe('unsupported digest algorithm');
    expect(invalid(`x@sha256:${'A'.repeat(64)}`)).toBe('invalid checksum digest format');
    expect(invalid(`${'a/'.repeat(130)}b`)).toBe('repository name must not be more than 255 characters');
    expect(invalid(`${'a-'.repeat(3000)}!`)).toBe('invalid reference format');
  });
});

describe('repoTagReference', () => {
  it('adds, keeps or replaces the tag', () => {
    expect(repoTagReference('x').familiar).toBe('x:latest');
    expect(repoTagReference('x:v1').familiar).toBe('x:v1');
    expect(repoTagReference('x:v1', 'v2').familiar).toBe('x:v2');
    expect(() => repoTagReference('x', 'bad tag')).toThrow('invalid tag format');
    expect(() => repoTagReference(`x@${D}`)).toThrow('cannot import digest reference');
    expect(() => repoTagReference('sha256', 'x')).toThrow(/ambiguous/);
  });
});

describe('ids and matching', () => {
  it('recognizes full ids', () => {
    expect(isFullImageId('a'.repeat(64))).toBe(true);
    expect(isFullImageId(D)).toBe(true);
    expect(isFullImageId('a'.repeat(63))).toBe(false);
    expect(isFullImageId(`sha512:${'a'.repeat(64)}`)).toBe(false);
    expect(toImageId('b'.repeat(64))).toBe(`sha256:${'b'.repeat(64)}`);
    expect(shortId(D)).toBe('a'.repeat(12));
  });

  it('matches Docker reference filters', () => {
    const r = parseReference('busybox:1.36');
    expect(familiarMatch('busybox', r)).toBe(true);
    expect(familiarMatch('busybox:*', r)).toBe(true);
    expect(familiarMatch('busybox:1.3?', r)).toBe(true);
    expect(familiarMatch('busy*', r)).toBe(true);
    expect(familiarMatch('alpine*', r)).toBe(false);
    expect(familiarMatch('busybox:latest', r)).toBe(false);
    expect(familiarMatch('*', parseReference('a/b'))).toBe(false);
    expect(familiarMatch('*/*', parseReference('a/b'))).toBe(true);
    expect(familiarMatch('busybox:[0-9]*', r)).toBe(true);
    expect(() => familiarMatch('busybox:[', r)).toThrow('syntax error in pattern');
  });
});
