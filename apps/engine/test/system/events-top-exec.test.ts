import { describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { useEngine } from '../helpers/suite.js';

const t = useEngine();
const { api, create } = t;

describe('events, top and tty exec through the Docker API', () => {
  it('GET /events replays a since/until window with filters, then ends', async () => {
    const since = Math.floor(Date.now() / 1000);
    const id = await create({ Cmd: ['sh', '-c', 'exit 2'] }, 'ev-one');
    const wait = api('POST', `/containers/${id}/wait?condition=next-exit`);
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    await wait;
    expect((await api('DELETE', `/containers/${id}`)).status).toBe(204);
    const until = (Date.now() + 300) / 1000;
    const f = encodeURIComponent(JSON.stringify({ container: ['ev-one'] }));
    const r = await api('GET', `/events?since=${since}&until=${until.toFixed(3)}&filters=${f}`);
    expect(r.status).toBe(200);
    const msgs = r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(msgs.map((m) => m.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    expect(msgs[2]).toMatchObject({ Type: 'container', status: 'die', id, from: 'busybox', Actor: { ID: id, Attributes: { exitCode: '2', name: 'ev-one' } } });
  });

  it('GET /containers/{id}/top lists the container processes only; 409 when not running', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    const r = await api('GET', `/containers/${id}/top?ps_args=-o%20pid,args`);
    expect(r.status, r.body).toBe(200);
    const top = JSON.parse(r.body);
    expect(top.Titles).toEqual(['PID', 'COMMAND']);
    expect(top.Processes).toHaveLength(1);
    expect(top.Processes[0][1]).toBe('sleep 1000');
    await api('POST', `/containers/${id}/kill`);
    await api('POST', `/containers/${id}/wait`);
    expect((await api('GET', `/containers/${id}/top`)).status).toBe(409);
  });

  it('exec with a tty: shell on a pty, resize, exit code in exec inspect', async () => {
    const docker = new Docker({ socketPath: t.eng.socket });
    const id = await create({ Cmd: ['sleep', '1000'] });
    await api('POST', `/containers/${id}/start`);
    const ex = await docker.getContainer(id).exec({ Cmd: ['sh'], Tty: true, AttachStdin: true, AttachStdout: true });
    const stream = await ex.start({ hijack: true, stdin: true, Tty: true });
    let out = '';
    stream.on('data', (d: Buffer) => { out += d.toString(); });
    const ended = new Promise((r) => stream.on('end', r));
    await ex.resize({ h: 30, w: 100 });
    stream.write('stty size; tty; exit 5\n');
    await ended;
    expect(out).toMatch(/30 100/);
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    const info = await ex.inspect();
    expect(info).toMatchObject({ Running: false, ExitCode: 5 });
  });
});
