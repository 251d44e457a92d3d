/** Pure helpers of the distribution routes: credentials header, progress mapping, pull reference. */
import { describe, expect, it } from 'vitest';
import { pullReference, registryAuthFrom, toJsonMessage } from './images-distribution.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('images-distribution helpers', () => {
  it('X-Registry-Auth: base64url JSON, the combined `auth` field, anonymous when empty or broken', () => {
    expect(registryAuthFrom(b64({ username: 'u', password: 'p', serveraddress: 'r:5000' }))).toEqual({ username: 'u', password: 'p', serverAddress: 'r:5000' });
    expect(registryAuthFrom(b64({ auth: Buffer.from('alice:pa:ss').toString('base64') }))).toEqual({ username: 'alice', password: 'pa:ss' });
    expect(registryAuthFrom(b64({ identitytoken: 'tok' }))).toEqual({ identityToken: 'tok' });
    expect(registryAuthFrom(b64({}))).toBeUndefined();
    expect(registryAuthFrom('%%%not base64')).toBeUndefined();
    expect(registryAuthFrom(undefined)).toBeUndefined();
  });

  it('progress events become Docker JSON messages the CLI draws bars from', () => {
    expect(toJsonMessage({ status: 'Downloading', id: 'abc', current: 5, total: 10 })).toEqual({ status: 'Downloading', id: 'abc', progressDetail: { current: 5, total: 10 } });
    expect(toJsonMessage({ status: 'Pull complete', id: 'abc' })).toEqual({ status: 'Pull complete', id: 'abc', progressDetail: {} });
    expect(toJsonMessage({ status: 'Digest: sha256:x' })).toEqual({ status: 'Digest: sha256:x' });
    expect(toJsonMessage({ status: '', aux: { Tag: 'v1' } })).toEqual({ progressDetail: {}, aux: { Tag: 'v1' } });
  });

  it('joins fromImage and tag like the CLI typed them', () => {
    expect(pullReference('busybox', 'latest')).toBe('busybox:latest');
    expect(pullReference('r:5000/a', `sha256:${'a'.repeat(64)}`)).toBe(`r:5000/a@sha256:${'a'.repeat(64)}`);
    expect(pullReference('busybox', undefined)).toBe('busybox');
  });
});
