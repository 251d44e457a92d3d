import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

const hdr = { 'content-type': 'application/json' };

describe('POST /containers/{id}/update', () => {
  it('applies the restart policy, refuses other set fields and bad policies', async () => {
    await request(t.sock, 'POST', '/containers/create?name=box', { body: JSON.stringify({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'always' } } }) });
    // The CLI sends every resource field with its zero value.
    const ok = await request(t.sock, 'POST', '/v1.47/containers/box/update', { headers: hdr, body: JSON.stringify({ CpuShares: 0, Memory: 0, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } }) });
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ Warnings: [] });
    const insp = (await request(t.sock, 'GET', '/containers/box/json')).json();
    expect(insp.HostConfig.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    const mem = await request(t.sock, 'POST', '/containers/box/update', { headers: hdr, body: JSON.stringify({ Memory: 64 << 20, NanoCpus: 5e8, PidsLimit: null }) });
    expect(mem.status, mem.body).toBe(200);
    expect((await request(t.sock, 'GET', '/containers/box/json')).json().HostConfig).toMatchObject({ Memory: 64 << 20, NanoCpus: 5e8 });
    const rt = await request(t.sock, 'POST', '/containers/box/update', { headers: hdr, body: JSON.stringify({ CpuRealtimePeriod: 1000 }) });
    expect(rt.status).toBe(400);
    expect(rt.json().message).toMatch(/CpuRealtimePeriod is not supported yet/);
    const typed = await request(t.sock, 'POST', '/containers/box/update', { headers: hdr, body: JSON.stringify({ Memory: 'lots' }) });
    expect(typed.status).toBe(400);
    const bad = await request(t.sock, 'POST', '/containers/box/update', { headers: hdr, body: JSON.stringify({ RestartPolicy: { Name: 'always', MaximumRetryCount: 3 } }) });
    expect(bad.status).toBe(400);
    expect((await request(t.sock, 'POST', '/containers/nope/update', { headers: hdr, body: '{}' })).status).toBe(404);
  });
});
