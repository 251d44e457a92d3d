import http from 'node:http';
import Docker from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demux } from '../http/stdcopy.js';
import { delay, hijack, request, startTestServer, until, type TestServer } from '../test-support/harness.js';

let t: TestServer;
let docker: Docker;
beforeEach(async () => {
  t = await startTestServer();
  docker = new Docker({ socketPath: t.sock });
});
afterEach(async () => { await t.close(); });

const create = async (body: Record<string, unknown>, name?: string): Promise<string> => {
  const res = await request(t.sock, 'POST', `/v1.47/containers/create${name ? `?name=${name}` : ''}`, { body: JSON.stringify({ Image: 'busybox', ...body }) });
  expect(res.status, res.text).toBe(201);
  return res.json().Id;
};

describe('container lifecycle', () => {
  it('creates, starts, waits and inspects through dockerode', async () => {
    const c = await docker.createContainer({ Image: 'busybox', Cmd: ['echo', 'hi'], name: 'web', HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 1, Hard: 1 }] } });
    const waited = c.wait({ condition: 'next-exit' });
    await c.start();
    expect(await waited).toEqual({ StatusCode: 0, Error: null });
    const info = await c.inspect();
    expect(info).toMatchObject({ Name: '/web', Path: 'echo', Args: ['hi'], Driver: 'overlay2', Platform: 'linux',
      State: { Status: 'exited', Running: false, ExitCode: 0 }, Config: { Image: 'busybox', Cmd: ['echo', 'hi'] },
      HostConfig: { NetworkMode: 'bridge', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } } });
    expect(info.State.StartedAt).not.toBe('0001-01-01T00:00:00Z');
    const created = JSON.parse(t.services.containers.calls.find((x) => x.startsWith('create:'))!.slice(7));
    expect(created.ignored).toBeUndefined();
    expect(created.hostConfig.ulimits).toEqual([{ name: 'nofile', soft: 1, hard: 1 }]);
  });

  it('reports create warnings and create errors in Docker shape', async () => {
    const res = await request(t.sock, 'POST', '/containers/create', { body: JSON.stringify({ Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'] } }) });
    expect(res.json().Warnings).toEqual([]);
    const missing = await request(t.sock, 'POST', '/containers/create', { body: JSON.stringify({ Image: 'nope' }) });
    expect(missing.status).toBe(404);
    expect(missing.json().message).toBe('No such image: nope');
    const pid = await request(t.sock, 'POST', '/containers/create', { body: JSON.stringify({ Image: 'busybox', HostConfig: { PidMode: 'host' } }) });
    expect(pid.status).toBe(501);
  });

  it('answers 204 for a change and 304 for a no-op start/stop', async () => {
    const id = await create({ Cmd: ['sleep'] });
    expect((await request(t.sock, 'POST', `/containers/${id}/start`)).status).toBe(204);
    expect((await request(t.sock, 'POST', `/containers/${id}/start`)).status).toBe(304);
    expect((await request(t.sock, 'POST', `/containers/${id}/stop?t=1&signal=SIGINT`)).status).toBe(204);
    expect(t.services.containers.calls).toContain(`stop:${id}:1:SIGINT`);
    expect((await request(t.sock, 'POST', `/containers/${id}/stop`)).status).toBe(304);
    expect((await request(t.sock, 'POST', `/containers/${id}/start`, { body: '{"Binds":["/:/x"]}' })).status).toBe(400);
  });

  it('wraps kill failures the way dockerd does', async () => {
    const id = await create({ Cmd: ['sleep'] }, 'k1');
    const res = await request(t.sock, 'POST', `/containers/${id}/kill?signal=KILL`);
    expect(res.status).toBe(409);
    expect(res.json().message).toBe(`cannot kill container: ${id}: Container k1 is not running`);
  });

  it('sends wait headers before the exit and the status after it', async () => {
    const id = await create({ Cmd: ['sleep'] });
    await request(t.sock, 'POST', `/containers/${id}/start`);
    const res = await new Promise<http.IncomingMessage>((resolve) => {
      http.request({ socketPath: t.sock, method: 'POST', path: `/v1.47/containers/${id}/wait?condition=next-exit` }, resolve).end();
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = new Promise<string>((r) => { let s = ''; res.on('data', (d) => { s += d; }); res.on('end', () => r(s)); });
    await delay(20);
    expect((await request(t.sock, 'POST', `/containers/${id}/kill`)).status).toBe(204);
    expect(JSON.parse(await body)).toEqual({ StatusCode: 137, Error: null });
    const bad = await request(t.sock, 'POST', `/containers/${id}/wait?condition=soon`);
    expect(bad.json().message).toBe('invalid condition: "soon"');
  });

  it('lists containers with ps-style fields', async () => {
    const id = await create({ Cmd: ['sleep', '100'], Labels: { a: 'b' }, ExposedPorts: { '80/tcp': {} }, HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } } }, 'lister');
    await request(t.sock, 'POST', `/containers/${id}/start`);
    const [c] = (await request(t.sock, 'GET', '/containers/json')).json();
    expect(c).toMatchObject({ Id: id, Names: ['/lister'], Image: 'busybox', Command: 'sleep 100', State: 'running', Labels: { a: 'b' },
      Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }], HostConfig: { NetworkMode: 'bridge' } });
    expect(c.Status).toMatch(/^Up (Less than a second|\d+ seconds?)$/);
    expect(typeof c.Created).toBe('number');
    expect(c.ImageID).toMatch(/^sha256:/);
  });

  it('renames, pauses, resizes and removes', async () => {
    const id = await create({ Cmd: ['sleep'] });
    expect((await request(t.sock, 'POST', `/containers/${id}/rename?name=bad%2Fname`)).status).toBe(400);
    expect((await request(t.sock, 'POST', `/containers/${id}/rename?name=renamed`)).status).toBe(204);
    await request(t.sock, 'POST', '/containers/renamed/start');
    expect((await request(t.sock, 'POST', '/containers/renamed/pause')).status).toBe(204);
    const [c] = (await request(t.sock, 'GET', '/containers/json')).json();
    expect(c.Status).toMatch(/\(Paused\)$/);
    expect((await request(t.sock, 'POST', '/containers/renamed/unpause')).status).toBe(204);
    expect((await request(t.sock, 'POST', '/containers/renamed/resize?h=40&w=120')).status).toBe(200);
    expect(t.services.containers.calls).toContain('resize:renamed:40x120');
    expect((await request(t.sock, 'POST', '/containers/renamed/resize?h=x&w=1')).status).toBe(400);
    expect((await request(t.sock, 'DELETE', '/containers/renamed')).status).toBe(409);
    expect((await request(t.sock, 'DELETE', '/containers/renamed?force=1&v=1')).status).toBe(204);
    expect((await request(t.sock, 'GET', `/containers/${id}/json`)).status).toBe(404);
  });
});

describe('attach', () => {
  it('hijacks with 101 and multiplexes stdout/stderr in stdcopy frames', async () => {
    const id = await create({ Cmd: ['both'] });
    const h = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdout=1&stderr=1`);
    expect(h.head.split('\r\n')).toEqual(['HTTP/1.1 101 UPGRADED', 'Content-Type: application/vnd.docker.multiplexed-stream', 'Connection: Upgrade', 'Upgrade: tcp']);
    expect((await request(t.sock, 'POST', `/containers/${id}/start`)).status).toBe(204);
    const out = demux(await h.rest());
    expect(out.stdout.toString()).toBe('out\n');
    expect(out.stderr.toString()).toBe('err\n');
  });

  it('forwards stdin and turns the client half-close into stdin EOF', async () => {
    const id = await create({ Cmd: ['cat'], OpenStdin: true, StdinOnce: true });
    const h = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1`);
    await request(t.sock, 'POST', `/containers/${id}/start`);
    h.socket.write('hello\n');
    h.socket.end();
    expect(demux(await h.rest()).stdout.toString()).toBe('hello\n');
    expect((await request(t.sock, 'GET', `/containers/${id}/json`)).json().State).toMatchObject({ Status: 'exited', ExitCode: 0 });
  });

  it('streams raw TTY bytes and detaches on the detach sequence, leaving the container running', async () => {
    const id = await create({ Cmd: ['cat'], OpenStdin: true, Tty: true });
    const h = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-x,x`);
    expect(h.head).toContain('Content-Type: application/vnd.docker.raw-stream');
    await request(t.sock, 'POST', `/containers/${id}/start`);
    h.socket.write('ab');
    await delay(20);
    h.socket.write(Buffer.from([0x18, 0x78, 0x63]));
    expect((await h.rest()).toString()).toBe('ab');
    expect((await request(t.sock, 'GET', `/containers/${id}/json`)).json().State.Running).toBe(true);
    const bad = await request(t.sock, 'POST', `/containers/${id}/attach?stream=1&detachKeys=ctrl-%21`);
    expect(bad.json().message).toBe('Invalid detach keys (ctrl-!) provided');
  });

  it('ends a TTY attachment on client EOF but leaves the terminal open (dockerd semantics)', async () => {
    const id = await create({ Cmd: ['cat'], OpenStdin: true, Tty: true });
    const h = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    await request(t.sock, 'POST', `/containers/${id}/start`);
    h.socket.write('x');
    await delay(20);
    h.socket.end();
    expect((await h.rest()).toString()).toBe('x');
    expect((await request(t.sock, 'GET', `/containers/${id}/json`)).json().State.Running).toBe(true);
  });

  it('keeps output flowing after the client half-closes and detaches once the client is gone', async () => {
    const id = await create({ Cmd: ['cat'], OpenStdin: true, Tty: true });
    await request(t.sock, 'POST', `/containers/${id}/start`);
    const writer = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    // The CLI half-closes at once when it attaches without stdin: that is not a goodbye.
    const reader = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdout=1`);
    reader.socket.end();
    writer.socket.write('one\n');
    await until(() => reader.received().toString() === 'one\n');
    expect(reader.received().toString()).toBe('one\n');
    const gone = await hijack(t.sock, `/v1.47/containers/${id}/attach?stream=1&stdout=1`);
    const sessions = t.services.containers.entries.get(id)!.sessions;
    expect(sessions.size).toBe(3);
    gone.socket.destroy();
    await delay(20);
    // Nothing tells an idle unix socket apart from a half-closed one until a write fails.
    writer.socket.write('two\n');
    await until(() => sessions.size === 2 && reader.received().toString() === 'one\ntwo\n');
    expect(sessions.size).toBe(2);
    expect(reader.received().toString()).toBe('one\ntwo\n');
    writer.socket.destroy();
    reader.socket.destroy();
  });

  it('serves clients without Upgrade with an unframed 200 (dockerode hijack:false)', async () => {
    const id = await create({ Cmd: ['both'] });
    const res = await new Promise<http.IncomingMessage>((resolve) => {
      http.request({ socketPath: t.sock, method: 'POST', path: `/containers/${id}/attach?stream=1&stdout=1&stderr=1` }, resolve).end();
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    expect(res.headers['transfer-encoding']).toBeUndefined();
    const body = new Promise<Buffer>((r) => { const cs: Buffer[] = []; res.on('data', (d) => cs.push(d)); res.on('end', () => r(Buffer.concat(cs))); });
    await request(t.sock, 'POST', `/containers/${id}/start`);
    const out = demux(await body);
    expect([out.stdout.toString(), out.stderr.toString()]).toEqual(['out\n', 'err\n']);
  });

  it('answers attach errors on an upgrade request as plain HTTP errors', async () => {
    const h = await hijack(t.sock, '/v1.47/containers/nope/attach?stream=1&stdout=1');
    expect(h.head).toMatch(/^HTTP\/1\.1 404 Not Found/);
    expect(JSON.parse((await h.rest()).toString())).toEqual({ message: 'No such container: nope' });
  });
});

describe('logs', () => {
  it('multiplexes non-TTY logs and honours stream selection, tail and timestamps', async () => {
    const id = await create({ Cmd: ['both'] });
    const waited = request(t.sock, 'POST', `/containers/${id}/wait?condition=next-exit`);
    await request(t.sock, 'POST', `/containers/${id}/start`);
    await waited;
    const all = await request(t.sock, 'GET', `/v1.47/containers/${id}/logs?stdout=1&stderr=1`);
    expect(all.headers['content-type']).toBe('application/vnd.docker.multiplexed-stream');
    const d = demux(all.body);
    expect([d.stdout.toString(), d.stderr.toString()]).toEqual(['out\n', 'err\n']);
    expect(demux((await request(t.sock, 'GET', `/containers/${id}/logs?stdout=1`)).body).stderr.length).toBe(0);
    expect(demux((await request(t.sock, 'GET', `/containers/${id}/logs?stdout=1&stderr=1&tail=1`)).body).frames).toHaveLength(1);
    const ts = demux((await request(t.sock, 'GET', `/containers/${id}/logs?stdout=1&timestamps=1`)).body).stdout.toString();
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out\n$/);
    const none = await request(t.sock, 'GET', `/containers/${id}/logs`);
    expect(none.status).toBe(400);
    expect(none.json().message).toBe('Bad parameters: you must choose at least one stream');
    expect((await request(t.sock, 'GET', `/v1.41/containers/${id}/logs?stdout=1`)).headers['content-type']).toBe('application/vnd.docker.raw-stream');
  });

  it('sends TTY logs raw and follows a running container until it exits', async () => {
    const id = await create({ Cmd: ['cat'], Tty: true, OpenStdin: true });
    const h = await hijack(t.sock, `/containers/${id}/attach?stream=1&stdin=1&stdout=1`);
    await request(t.sock, 'POST', `/containers/${id}/start`);
    const follow = request(t.sock, 'GET', `/containers/${id}/logs?stdout=1&stderr=1&follow=1`);
    await delay(20);
    h.socket.write('line\n');
    await delay(20);
    await request(t.sock, 'POST', `/containers/${id}/kill`);
    const res = await follow;
    expect(res.headers['content-type']).toBe('application/vnd.docker.raw-stream');
    expect(res.text).toBe('line\n');
  });
});
