import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

describe('images', () => {
  it('lists summaries with Docker field names', async () => {
    const list = (await request(t.sock, 'GET', '/v1.47/images/json')).json();
    const bb = list.find((i: { RepoTags: string[] }) => i.RepoTags.includes('busybox:latest'));
    expect(bb).toMatchObject({ Containers: -1, SharedSize: -1, RepoDigests: [], ParentId: '', Size: 4261550 });
    expect(bb.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(bb.Created).toBe(Math.floor(Date.parse('2026-01-02T03:04:05Z') / 1000));
    expect(bb).not.toHaveProperty('VirtualSize');
    const old = (await request(t.sock, 'GET', '/v1.43/images/json')).json();
    expect(old[0]).toHaveProperty('VirtualSize');
  });

  it('routes names with registry ports and slashes, escaped or not', async () => {
    for (const name of ['127.0.0.1:5000/team/app:v1', encodeURIComponent('127.0.0.1:5000/team/app:v1')]) {
      const res = await request(t.sock, 'GET', `/v1.47/images/${name}/json`);
      expect(res.status, name).toBe(200);
      expect(res.json()).toMatchObject({ RepoTags: ['127.0.0.1:5000/team/app:v1'], Architecture: 'amd64', Os: 'linux',
        RootFS: { Type: 'layers' }, Config: { Cmd: ['sh'] }, Metadata: { LastTagTime: '0001-01-01T00:00:00Z' } });
    }
    const hist = (await request(t.sock, 'GET', '/images/127.0.0.1:5000/team/app:v1/history')).json();
    expect(hist[0]).toMatchObject({ CreatedBy: '/bin/sh -c #(nop) CMD ["sh"]', Tags: ['127.0.0.1:5000/team/app:v1'] });
    expect(hist[1]).toMatchObject({ Id: '<missing>', Tags: null });
    const missing = await request(t.sock, 'GET', '/images/no/such:thing/json');
    expect(missing.status).toBe(404);
    expect(missing.json().message).toBe('No such image: no/such:thing');
  });

  it('drops fields removed from newer API versions from inspect', async () => {
    const now = (await request(t.sock, 'GET', '/v1.47/images/busybox/json')).json();
    expect(now).not.toHaveProperty('ContainerConfig');
    const old = (await request(t.sock, 'GET', '/v1.43/images/busybox/json')).json();
    expect(old).toMatchObject({ Container: '', VirtualSize: 4261550 });
    expect(old.ContainerConfig).toBeDefined();
  });

  it('tags (201) and removes with Untagged/Deleted items', async () => {
    expect((await request(t.sock, 'POST', '/images/busybox/tag?repo=127.0.0.1:5000/x/y&tag=v2')).status).toBe(201);
    expect((await request(t.sock, 'POST', '/images/busybox/tag?tag=v2')).status).toBe(400);
    const untag = await request(t.sock, 'DELETE', '/images/127.0.0.1:5000/x/y:v2');
    expect(untag.json()).toEqual([{ Untagged: '127.0.0.1:5000/x/y:v2' }]);
    const gone = await request(t.sock, 'DELETE', '/images/busybox?force=1');
    expect(gone.json()).toEqual([{ Untagged: 'busybox:latest' }, { Deleted: expect.stringMatching(/^sha256:/) }]);
  });

  it('imports a tar from the body and answers with a JSON status line', async () => {
    const tar = Buffer.alloc(2048, 1);
    const res = await request(t.sock, 'POST', '/v1.47/images/create?fromSrc=-&repo=imported&tag=v1&message=hi&changes=CMD%20%5B%22sh%22%5D&changes=ENV%20A%3Db',
      { body: tar, headers: { 'Content-Type': 'application/x-tar' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toMatch(/^\{"status":"sha256:[0-9a-f]{64}"\}\r\n$/);
    expect(t.services.images.imports[0]).toMatchObject({ bytes: 2048, opts: { repo: 'imported', tag: 'v1', message: 'hi', changes: ['CMD ["sh"]', 'ENV A=b'] } });
    const empty = await request(t.sock, 'POST', '/images/create?fromSrc=-', { body: '', headers: { 'Content-Type': 'application/x-tar' } });
    expect(empty.status).toBe(400);
  });

  it('refuses pulls clearly until the registry client exists', async () => {
    const res = await request(t.sock, 'POST', '/images/create?fromImage=alpine&tag=3.20');
    expect(res.status).toBe(501);
    expect(res.json().message).toBe('pulling images is not supported yet by this engine (alpine:3.20)');
    const docker = new Docker({ socketPath: t.sock });
    await expect(docker.pull('alpine:3.20')).rejects.toMatchObject({ statusCode: 501 });
  });
});
