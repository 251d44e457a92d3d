import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
beforeEach(async () => { t = await startTestServer(); });
afterEach(async () => { await t.close(); });

describe('GET /containers/{id}/top', () => {
  it('maps titles and rows, passes ps_args, and is 409 for a container that is not running', async () => {
    const id = (await request(t.sock, 'POST', '/containers/create?name=box', { body: JSON.stringify({ Image: 'busybox', Cmd: ['sleep'] }) })).json().Id;
    const stopped = await request(t.sock, 'GET', `/v1.47/containers/box/top`);
    expect(stopped.status).toBe(409);
    expect(stopped.json().message).toBe(`Container ${id} is not running`);
    await request(t.sock, 'POST', `/containers/${id}/start`);
    const res = await request(t.sock, 'GET', `/v1.47/containers/box/top?ps_args=aux`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['root', expect.any(String), '1', '0', '12:00', '?', '00:00:00', 'sleep']] });
    expect(t.services.containers.calls).toContain('top:box:aux');
    expect((await request(t.sock, 'GET', '/containers/nope/top')).status).toBe(404);
  });
});
