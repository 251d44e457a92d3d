import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

const create = async (): Promise<string> => {
  const res = await request(t.sock, 'POST', '/containers/create', { body: JSON.stringify({ Image: 'busybox' }) });
  expect(res.status, res.text).toBe(201);
  return res.json().Id;
};

describe('diff / export / commit routes', () => {
  it('GET /containers/{id}/changes: null when nothing changed, {Path, Kind} otherwise, 404 for a missing container', async () => {
    const id = await create();
    const none = await request(t.sock, 'GET', `/containers/${id}/changes`);
    expect(none.status).toBe(200);
    expect(none.text.trim()).toBe('null');
    t.services.containers.fakeChanges.set(id, [{ path: '/a', kind: 1 }, { path: '/bin/vi', kind: 2 }]);
    const some = await request(t.sock, 'GET', `/v1.47/containers/${id}/changes`);
    expect(some.json()).toEqual([{ Path: '/a', Kind: 1 }, { Path: '/bin/vi', Kind: 2 }]);
    expect((await request(t.sock, 'GET', '/containers/nope/changes')).status).toBe(404);
  });

  it('GET /containers/{id}/export streams the tar', async () => {
    const id = await create();
    const res = await request(t.sock, 'GET', `/containers/${id}/export`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    expect(res.text).toBe(`fake-tar:${id}`);
  });

  it('POST /commit passes query options through and answers 201 {Id}', async () => {
    const id = await create();
    const res = await request(t.sock, 'POST', `/commit?container=${id}&repo=img&tag=v1&pause=0&changes=${encodeURIComponent('CMD ["sh"]')}&changes=${encodeURIComponent('ENV A=b')}`,
      { body: JSON.stringify({ Env: ['X=1'] }), headers: { 'Content-Type': 'application/json' } });
    expect(res.status, res.text).toBe(201);
    expect(res.json().Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(t.services.containers.calls).toContain(`commit:${id}:img:v1:false:CMD ["sh"]|ENV A=b`);
    const dflt = await request(t.sock, 'POST', `/commit?container=${id}`, { body: 'null', headers: { 'Content-Type': 'application/json' } });
    expect(dflt.status, dflt.text).toBe(201);
    expect(t.services.containers.calls).toContain(`commit:${id}:::true:`);
    expect((await request(t.sock, 'POST', '/commit?container=nope')).status).toBe(404);
  });
});
