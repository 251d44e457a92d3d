import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

describe('GET /containers/{id}/stats', () => {
  it('sends one object with stream=false, JSON lines by default, and 404 for an unknown container', async () => {
    await request(t.sock, 'POST', '/containers/create?name=box', { body: JSON.stringify({ Image: 'busybox', Cmd: ['sleep'] }) });
    const one = await request(t.sock, 'GET', '/v1.47/containers/box/stats?stream=false&one-shot=true');
    expect(one.status).toBe(200);
    expect(one.json()).toMatchObject({ name: '/box', pids_stats: { current: 1 }, cpu_stats: { cpu_usage: { total_usage: 1e6 } } });
    expect(t.services.containers.calls).toContain('stats:box:false:true');
    const streamed = await request(t.sock, 'GET', '/v1.47/containers/box/stats');
    expect(streamed.status).toBe(200);
    const lines = streamed.body.toString().trim().split('\n').map((l) => JSON.parse(l) as { cpu_stats: { cpu_usage: { total_usage: number } } });
    expect(lines.map((l) => l.cpu_stats.cpu_usage.total_usage)).toEqual([1e6, 2e6, 3e6]);
    expect((await request(t.sock, 'GET', '/containers/nope/stats?stream=false')).status).toBe(404);
  });
});
