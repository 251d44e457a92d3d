/** Pure parts of the registry module: naming/endpoints, challenges, manifest validation, platforms. */
import { describe, expect, it } from 'vitest';
import { parseReference } from '../images/reference.js';
import { parseManifest, selectPlatform, MANIFEST_TYPES } from './manifest.js';
import { parseChallenges } from './registry-auth.js';
import { authKey, domainFromServerAddress, resolveEndpoint } from './registry-endpoint.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const desc = (c: string, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip') => ({ mediaType, digest: D(c), size: 10 });
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('registry endpoints and Docker Hub naming', () => {
  it('busybox is docker.io/library/busybox:latest, served by registry-1.docker.io over HTTPS', () => {
    const ref = parseReference('busybox');
    expect(ref).toMatchObject({ domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
    expect(resolveEndpoint(ref.domain)).toEqual({ domain: 'docker.io', host: 'registry-1.docker.io', base: 'https://registry-1.docker.io', secure: true });
    expect(authKey('docker.io')).toBe('https://index.docker.io/v1/');
    expect(domainFromServerAddress('https://index.docker.io/v1/')).toBe('docker.io');
    expect(domainFromServerAddress('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('plain HTTP only for loopback and --insecure-registry hosts', () => {
    expect(resolveEndpoint('127.0.0.1:5000').base).toBe('http://127.0.0.1:5000');
    expect(resolveEndpoint('localhost:5000').base).toBe('http://localhost:5000');
    expect(resolveEndpoint('[::1]:5000').secure).toBe(false);
    expect(resolveEndpoint('reg.example:5000').base).toBe('https://reg.example:5000');
    expect(resolveEndpoint('reg.example:5000', { insecureRegistries: ['reg.example:5000'] }).base).toBe('http://reg.example:5000');
    expect(resolveEndpoint('10.1.2.3:5000', { insecureRegistries: ['10.1.0.0/16'] }).secure).toBe(false);
    expect(resolveEndpoint('10.2.2.3:5000', { insecureRegistries: ['10.1.0.0/16'] }).secure).toBe(true);
  });
});

describe('parseChallenges', () => {
  it('reads Bearer realm/service/scope and Basic', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseChallenges(null)).toEqual([]);
  });
});

describe('parseManifest', () => {
  const image = { schemaVersion: 2, mediaType: MANIFEST_TYPES.ociManifest, config: desc('a', 'application/vnd.oci.image.config.v1+json'), layers: [desc('b')] };

  it('accepts OCI and Docker manifests and indexes', () => {
    expect(parseManifest(buf(image), MANIFEST_TYPES.ociManifest)).toMatchObject({ kind: 'image', layers: [{ digest: D('b') }] });
    const docker = { ...image, mediaType: MANIFEST_TYPES.dockerManifest };
    expect(parseManifest(buf(docker), MANIFEST_TYPES.dockerManifest).kind).toBe('image');
    const index = { schemaVersion: 2, mediaType: MANIFEST_TYPES.ociIndex, manifests: [{ ...desc('c', MANIFEST_TYPES.ociManifest), platform: { os: 'linux', architecture: 'amd64' } }] };
    expect(parseManifest(buf(index), null)).toMatchObject({ kind: 'index', manifests: [{ platform: { architecture: 'amd64' } }] });
  });

  it('refuses invalid JSON, ambiguous documents, unknown media types, type mismatch, schema 1', () => {
    expect(() => parseManifest(Buffer.from('{nope'), null)).toThrow(/not valid JSON/);
    expect(() => parseManifest(buf({ ...image, manifests: [] }), null)).toThrow(/both an index and a manifest/);
    expect(() => parseManifest(buf({ ...image, mediaType: 'application/x-unknown' }), null)).toThrow(/unsupported manifest media type/);
    expect(() => parseManifest(buf(image), MANIFEST_TYPES.dockerManifest)).toThrow(/does not match Content-Type/);
    expect(() => parseManifest(buf({ schemaVersion: 1, name: 'x' }), null)).toThrow(/schema 1/);
    expect(() => parseManifest(buf({ ...image, layers: [{ ...desc('b'), digest: 'md5:abc' }] }), null)).toThrow(/unsupported digest/);
  });

  it('bounds index size (T11) and never keeps foreign `urls` (T39: layers come from the registry only)', () => {
    const many = { schemaVersion: 2, mediaType: MANIFEST_TYPES.ociIndex, manifests: Array.from({ length: 10_000 }, () => desc('c', MANIFEST_TYPES.ociManifest)) };
    expect(() => parseManifest(buf(many), null)).toThrow(/more than 1000 entries/);
    const foreign = { ...image, layers: [{ ...desc('b'), urls: ['http://127.0.0.2/evil'] }] };
    const parsed = parseManifest(buf(foreign), null);
    expect(parsed.kind === 'image' && parsed.layers[0]).toEqual(desc('b'));
  });

  it('selects the platform entry (arm64 matches v8 or no variant)', () => {
    const m = [
      { ...desc('1', MANIFEST_TYPES.ociManifest), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { ...desc('2', MANIFEST_TYPES.ociManifest), platform: { os: 'linux', architecture: 'amd64' } },
      { ...desc('3', MANIFEST_TYPES.ociManifest), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { ...desc('4', MANIFEST_TYPES.ociManifest), platform: { os: 'windows', architecture: 'amd64' } },
    ];
    expect(selectPlatform(m, { os: 'linux', architecture: 'amd64' })?.digest).toBe(D('2'));
    expect(selectPlatform(m, { os: 'linux', architecture: 'arm64' })?.digest).toBe(D('3'));
    expect(selectPlatform(m, { os: 'linux', architecture: 's390x' })).toBeUndefined();
  });
});
