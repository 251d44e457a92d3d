import { describe, expect, it } from 'vitest';
import { pushTarget, splitDomain } from './image-layers.js';

describe('pushTarget', () => {
  it('re-homes a name into the registry namespace', () => {
    expect(pushTarget('busybox', '127.0.0.1:5000')).toEqual({ name: '127.0.0.1:5000/busybox', tag: 'latest' });
    expect(pushTarget('me/app:v1', 'http://reg.local:5000/')).toEqual({ name: 'reg.local:5000/me/app', tag: 'v1' });
    expect(pushTarget('127.0.0.1:5000/x/y:2', '127.0.0.1:5000')).toEqual({ name: '127.0.0.1:5000/x/y', tag: '2' });
    expect(pushTarget('other.io/x:3', 'localhost:5000')).toEqual({ name: 'localhost:5000/x', tag: '3' });
  });
  it('splits a registry host only when it looks like one', () => {
    expect(splitDomain('localhost/a')).toEqual({ domain: 'localhost', rest: 'a' });
    expect(splitDomain('library/a')).toEqual({ domain: null, rest: 'library/a' });
  });
});
