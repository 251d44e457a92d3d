import Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demux } from '../http/stdcopy.js';
import { hijack, request, startTestServer, type TestServer } from '../test-support/harness.js';

let t: TestServer;
let running: string;
beforeEach(async () => {
  t = await startTestServer();
  const res = await request(t.sock, 'POST', '/containers/create?name=box', { body: JSON.stringify({ Image: 'busybox', Cmd: ['sleep'] }) });
  running = res.json().Id;
  await request(t.sock, 'POST', `/containers/${running}/start`);
});
afterEach(async () => { await t.close(); });

const createExec = async (body: Record<string, unknown>) => {
  const res = await request(t.sock, 'POST', `/v1.47/containers/box/exec`, { body: JSON.stringify(body) });
  expect(res.status, res.text).toBe(201);
  return res.json().Id as string;
};

describe('exec', () => {
  it('creates, starts over a hijacked connection and reports the exit code', async () => {
    const id = await createExec({ Cmd: ['fail', '7'], AttachStdout: true, AttachStderr: true, DetachKeys: 'ctrl-a' });
    const h = await hijack(t.sock, `/v1.47/exec/${id}/start`, JSON.stringify({ Detach: false, Tty: false }));
    expect(h.head).toMatch(/^HTTP\/1\.1 101 UPGRADED\r\nContent-Type: application\/vnd\.docker\.multiplexed-stream/);
    expect(demux(await h.rest()).stderr.toString()).toBe('oops\n');
    const info = (await request(t.sock, 'GET', `/exec/${id}/json`)).json();
    expect(info).toMatchObject({ ID: id, ContainerID: running, Running: false, ExitCode: 7, OpenStdout: true, OpenStdin: false,
      CanRemove: false, DetachKeys: 'ctrl-a', ProcessConfig: { entrypoint: 'fail', arguments: ['7'], tty: false, privileged: false, user: '' } });
  });

  it('pipes stdin that arrives with and after the start request', async () => {
    const id = await createExec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
    const h = await hijack(t.sock, `/exec/${id}/start`, '{"Detach":false,"Tty":false}');
    h.socket.end('piped\n');
    expect(demux(await h.rest()).stdout.toString()).toBe('piped\n');
  });

  it('works through dockerode (hijack and demux)', async () => {
    const docker = new Docker({ socketPath: t.sock });
    const exec = await docker.getContainer('box').exec({ Cmd: ['both'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const err = new PassThrough();
    const got = { out: '', err: '' };
    out.on('data', (d) => { got.out += d; });
    err.on('data', (d) => { got.err += d; });
    docker.modem.demuxStream(stream, out, err);
    await new Promise((r) => stream.on('end', r));
    expect(got).toEqual({ out: 'out\n', err: 'err\n' });
    expect((await exec.inspect()).ExitCode).toBe(0);
  });

  it('streams a TTY exec over a plain 200 when the client sends no Upgrade', async () => {
    const id = await createExec({ Cmd: ['echo', 'tty'], Tty: true, AttachStdout: true });
    const res = await request(t.sock, 'POST', `/exec/${id}/start`, { body: '{"Detach":false,"Tty":true}' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    expect(res.text).toBe('tty\n');
  });

  it('runs detached exec without hijacking', async () => {
    const id = await createExec({ Cmd: ['echo', 'x'] });
    const res = await request(t.sock, 'POST', `/exec/${id}/start`, { body: '{"Detach":true}' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
  });

  it('validates exec requests', async () => {
    const noCmd = await request(t.sock, 'POST', '/containers/box/exec', { body: '{"Cmd":[]}' });
    expect(noCmd.status).toBe(400);
    expect(noCmd.json().message).toBe('No exec command specified');
    const badKeys = await request(t.sock, 'POST', '/containers/box/exec', { body: '{"Cmd":["echo"],"DetachKeys":"ctrl-"}' });
    expect(badKeys.status).toBe(400);
    await request(t.sock, 'POST', '/containers/create?name=stopped', { body: '{"Image":"busybox"}' });
    const conflict = await request(t.sock, 'POST', '/containers/stopped/exec', { body: '{"Cmd":["echo"]}' });
    expect(conflict.status).toBe(409);
    const missing = await request(t.sock, 'GET', '/exec/nope/json');
    expect(missing.json()).toEqual({ message: 'No such exec instance: nope' });
    const id = await createExec({ Cmd: ['sleep'] });
    expect((await request(t.sock, 'POST', `/exec/${id}/resize?h=10&w=20`)).status).toBe(200);
    expect((await request(t.sock, 'POST', `/exec/${id}/resize?h=10`)).status).toBe(400);
  });
});
