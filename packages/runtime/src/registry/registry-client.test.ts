/**
 * DistributionRegistryClient against the in-memory FakeRegistry: auth flows, hostile servers
 * (security notes T08–T11, T38, T39), resume and retry behaviour.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DistributionRegistryClient } from './registry-client.js';
import { digestOf, FakeRegistry, miniServer, publishImage, send } from './registry-test-helpers.js';
import type { Descriptor } from '../images/image-types.js';

// Generous timeouts (CI machines are loaded); only the blackhole test shortens them.
const fast = { headerTimeoutMs: 10_000, bodyIdleTimeoutMs: 10_000, backoffMs: 5, maxDelayMs: 50 };
const names = { familiar: 'x:latest', familiarName: 'x' };
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });

async function registry(opts?: ConstructorParameters<typeof FakeRegistry>[0]): Promise<FakeRegistry> {
  const r = await new FakeRegistry(opts).start();
  servers.push(r);
  return r;
}

async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('DistributionRegistryClient', { timeout: 30_000 }, () => {
  it('fetches a manifest and blobs anonymously, verifying the manifest digest', async () => {
    const reg = await registry();
    const img = await publishImage(reg, 'team/app', 'v1', [{ 'a.txt': 'hello' }]);
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    const m = await c.getManifest('team/app', 'v1', names);
    expect(m.digest).toBe(img.manifestDigest);
    expect(m.parsed.kind).toBe('image');
    const byDigest = await c.getManifest('team/app', img.manifestDigest, names);
    expect(byDigest.bytes.equals(img.manifest)).toBe(true);
    const desc: Descriptor = { mediaType: 'x', digest: img.configDigest, size: img.config.length };
    expect((await readStream(c.openBlob('team/app', desc))).equals(img.config)).toBe(true);
  });

  it('reports a missing manifest with dockerd\'s wording', async () => {
    const reg = await registry();
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    await expect(c.getManifest('nosuch', 'latest', names)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'manifest for x:latest not found: manifest unknown: manifest unknown' });
  });

  it('refuses a manifest whose bytes do not match the requested digest', async () => {
    const reg = await registry();
    const img = await publishImage(reg, 'a', 'v1', [{ f: 'x' }]);
    const other = digestOf('something else');
    reg.manifests.set(`a:${other}`, { body: img.manifest, type: 'application/vnd.oci.image.manifest.v1+json' });
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    await expect(c.getManifest('a', other, names)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('manifest verification failed') });
  });

  it('refuses a 20 MiB manifest without reading it into memory', async () => {
    const reg = await registry();
    reg.putManifest('big', 'v1', Buffer.alloc(20 << 20, 0x20), 'application/vnd.oci.image.manifest.v1+json');
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    await expect(c.getManifest('big', 'v1', names)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('too large') });
  });

  it('Basic auth: answers the challenge; bad credentials are a clean 401 without the password', async () => {
    const reg = await registry({ auth: { kind: 'basic', username: 'u', password: 's3cret-pw' } });
    await publishImage(reg, 'p', 'v1', [{ f: 'x' }]);
    const ok = new DistributionRegistryClient(reg.host, { http: fast, auth: { username: 'u', password: 's3cret-pw' } });
    await ok.ping();
    expect((await ok.getManifest('p', 'v1', names)).parsed.kind).toBe('image');
    const bad = new DistributionRegistryClient(reg.host, { http: fast, auth: { username: 'u', password: 'wrong-pw' } });
    const err = await bad.ping().catch((e: Error & { code: string }) => e);
    expect(err).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(String((err as Error).message)).not.toContain('wrong-pw');
    const anon = new DistributionRegistryClient(reg.host, { http: fast });
    await expect(anon.getManifest('p', 'v1', names)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("pull access denied for x, repository does not exist or may require 'docker login'") });
  });

  it('Bearer auth: fetches a token from the realm with the credentials, then uses it', async () => {
    const reg = await registry({ auth: { kind: 'bearer', username: 'u', password: 'pw' } });
    await publishImage(reg, 'p', 'v1', [{ f: 'x' }]);
    const c = new DistributionRegistryClient(reg.host, { http: fast, auth: { username: 'u', password: 'pw' } });
    expect((await c.getManifest('p', 'v1', names)).parsed.kind).toBe('image');
    const tokenReq = reg.requests.find((r) => r.url.startsWith('/token'))!;
    expect(tokenReq.url).toContain('service=fake-registry');
    expect(decodeURIComponent(tokenReq.url)).toContain('scope=repository:p:pull');
    // The second request reuses the cached token: no new token fetch.
    await c.getManifest('p', 'v1', names);
    expect(reg.count('GET', '/token')).toBe(1);
    const bad = new DistributionRegistryClient(reg.host, { http: fast, auth: { username: 'u', password: 'nope' } });
    await expect(bad.getManifest('p', 'v1', names)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'unauthorized: incorrect username or password' });
  });

  it('a blob redirect to another host carries no Authorization (T39)', async () => {
    const other = await registry({ host: '127.0.0.2' });
    const reg = await registry({ auth: { kind: 'basic', username: 'u', password: 'pw' } });
    const blob = Buffer.from('redirected blob');
    const d = other.addBlob(blob);
    reg.intercept = (req, res) => {
      if (!req.url?.includes('/blobs/') || !req.headers.authorization) return false;
      res.writeHead(307, { Location: `http://${other.host}/v2/x/blobs/${d}` });
      res.end();
      return true;
    };
    const c = new DistributionRegistryClient(reg.host, { http: fast, auth: { username: 'u', password: 'pw' } });
    const got = await readStream(c.openBlob('x', { mediaType: 'x', digest: d, size: blob.length }));
    expect(got.equals(blob)).toBe(true);
    const seen = other.requests.find((r) => r.url.includes(d))!;
    expect(seen.headers.authorization).toBeUndefined();
    expect(reg.requests.some((r) => r.headers.authorization)).toBe(true);
  });

  it('retries 500 and 429 (Retry-After) on GET, then succeeds (T38)', async () => {
    const reg = await registry();
    await publishImage(reg, 'r', 'v1', [{ f: 'x' }]);
    let n = 0;
    reg.intercept = (req, res) => {
      if (!req.url?.includes('/manifests/')) return false;
      n++;
      if (n === 1) { send(res, 500, 'boom'); return true; }
      if (n === 2) { res.setHeader('Retry-After', '0'); send(res, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }); return true; }
      return false;
    };
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    expect((await c.getManifest('r', 'v1', names)).parsed.kind).toBe('image');
    expect(n).toBe(3);
  });

  it('resumes a blob download with Range after the connection is cut mid-body (T38)', async () => {
    const reg = await registry();
    const blob = Buffer.alloc(256 * 1024, 7);
    blob.write('head', 0);
    const d = reg.addBlob(blob);
    let cut = false;
    reg.intercept = (req, res) => {
      if (cut || !req.url?.includes(d) || req.headers.range) return false;
      cut = true;
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, blob.length / 2), () => res.socket?.destroy());
      return true;
    };
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    const got = await readStream(c.openBlob('x', { mediaType: 'x', digest: d, size: blob.length }));
    expect(got.equals(blob)).toBe(true);
    const ranged = reg.requests.filter((r) => r.headers.range);
    expect(ranged).toHaveLength(1);
    expect(ranged[0]!.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it('times out on a registry that never answers (no hang)', async () => {
    const hung: import('node:net').Socket[] = [];
    const srv = miniServer((_req, res) => { hung.push(res.socket); /* never answers */ });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    servers.push({ close: () => { for (const s of hung) s.destroy(); return new Promise<void>((r) => srv.close(() => r())); } });
    const c = new DistributionRegistryClient(`127.0.0.1:${(srv.address() as AddressInfo).port}`, { http: { ...fast, headerTimeoutMs: 500 } });
    const t0 = Date.now();
    await expect(c.getManifest('x', 'v1', names)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('pushes: HEAD skips existing blobs, mount from another repo, upload, manifest', async () => {
    const reg = await registry();
    const c = new DistributionRegistryClient(reg.host, { http: fast });
    const blob = Buffer.from('layer bytes');
    const desc: Descriptor = { mediaType: 'x', digest: digestOf(blob), size: blob.length };
    expect(await c.blobExists('dst', desc.digest)).toBe(false);
    const { Readable } = await import('node:stream');
    await c.uploadBlob('dst', desc, () => Readable.from([blob]));
    expect(reg.blobs.get(desc.digest)?.equals(blob)).toBe(true);
    expect(await c.blobExists('dst', desc.digest)).toBe(true);
    expect(await c.mountBlob('other', desc.digest, 'dst')).toBe(true);
    const digest = await c.putManifest('dst', 'v1', Buffer.from('{"schemaVersion":2}'), 'application/vnd.oci.image.manifest.v1+json');
    expect(reg.manifests.get('dst:v1')).toBeDefined();
    expect(digest).toBe(digestOf('{"schemaVersion":2}'));
  });
});
