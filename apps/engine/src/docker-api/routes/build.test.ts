import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError, type BuildOptions, type BuildService } from '@berth/runtime';
import { createFakeServices } from '../test-support/fake-services.js';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

class FakeBuilds implements BuildService {
  calls: { body: string; opts: BuildOptions }[] = [];
  fail?: EngineError;
  failEarly?: EngineError;
  pruned = 0;
  async build(context: Readable, opts: BuildOptions): Promise<{ id: string }> {
    const chunks: Buffer[] = [];
    for await (const c of context) chunks.push(c as Buffer);
    if (this.failEarly) throw this.failEarly;
    opts.onContextReceived?.();
    this.calls.push({ body: Buffer.concat(chunks).toString(), opts });
    opts.onProgress?.({ stream: 'Step 1/1 : FROM busybox\n' });
    if (this.fail) throw this.fail;
    opts.onProgress?.({ aux: { ID: 'sha256:abc' } });
    return { id: 'sha256:abc' };
  }
  async prune() { this.pruned++; return { cachesDeleted: [], spaceReclaimed: 0 }; }
}

let t: TestServer | undefined;
afterEach(async () => { await t?.close(); t = undefined; });

async function server(builds?: FakeBuilds): Promise<TestServer> {
  t = await startTestServer(Object.assign(createFakeServices(), builds ? { builds } : {}));
  return t;
}

const lines = (text: string) => text.split('\r\n').filter(Boolean).map((l) => JSON.parse(l));

describe('POST /build', () => {
  it('maps the query to build options and streams JSON messages', async () => {
    const builds = new FakeBuilds();
    const s = await server(builds);
    const q = new URLSearchParams({ dockerfile: 'sub/Df', q: '1', nocache: '1', rm: '0', forcerm: '1', pull: 'true', target: 'base', networkmode: 'default' });
    q.append('t', 'a:1');
    q.append('t', 'b');
    q.set('buildargs', JSON.stringify({ V: 'x', E: null }));
    q.set('labels', JSON.stringify({ l: 'v' }));
    const res = await request(s.sock, 'POST', `/v1.47/build?${q}`, {
      body: 'tar-bytes', headers: { 'Content-Type': 'application/x-tar', 'X-Registry-Config': Buffer.from('{}').toString('base64url') },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(lines(res.text)).toEqual([{ stream: 'Step 1/1 : FROM busybox\n' }, { aux: { ID: 'sha256:abc' } }]);
    const { body, opts } = builds.calls[0]!;
    expect(body).toBe('tar-bytes');
    expect(opts).toMatchObject({
      tags: ['a:1', 'b'], dockerfile: 'sub/Df', quiet: true, noCache: true, rm: false, forceRm: true, pull: true, target: 'base',
      buildArgs: { V: 'x', E: null }, labels: { l: 'v' },
    });
    expect(opts.networkMode).toBeUndefined();
  });

  it('reports a failed step in-stream with the exit code', async () => {
    const builds = new FakeBuilds();
    builds.fail = new EngineError('FAILED_PRECONDITION', "The command '/bin/sh -c exit 3' returned a non-zero code: 3", { details: { exitCode: 3 } });
    const s = await server(builds);
    const res = await request(s.sock, 'POST', '/build', { body: 'x' });
    expect(lines(res.text).at(-1)).toEqual({
      errorDetail: { code: 3, message: "The command '/bin/sh -c exit 3' returned a non-zero code: 3" },
      error: "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
    });
  });

  it('answers a bad context (failure before any output) with a plain HTTP error', async () => {
    const builds = new FakeBuilds();
    builds.failEarly = new EngineError('INVALID_ARGUMENT', 'invalid build context: bad entry');
    const s = await server(builds);
    const res = await request(s.sock, 'POST', '/build', { body: 'x' });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ message: 'invalid build context: bad entry' });
  });

  it('rejects malformed JSON parameters before streaming, and answers 501 without a builder', async () => {
    const s = await server(new FakeBuilds());
    const bad = await request(s.sock, 'POST', `/build?buildargs=${encodeURIComponent('{"a":1}')}`, { body: '' });
    expect(bad.status).toBe(400);
    expect(bad.json().message).toMatch(/invalid buildargs parameter/);
    expect((await request(s.sock, 'POST', '/build?labels=%7Bnope', { body: '' })).status).toBe(400);
    await t!.close();
    const none = await server();
    expect((await request(none.sock, 'POST', '/build', { body: '' })).status).toBe(501);
  });

  it('POST /build/prune forgets the cache', async () => {
    const builds = new FakeBuilds();
    const s = await server(builds);
    const res = await request(s.sock, 'POST', '/v1.47/build/prune');
    expect(res.json()).toEqual({ CachesDeleted: [], SpaceReclaimed: 0 });
    expect(builds.pruned).toBe(1);
  });
});
