import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { useEngine } from '../helpers/suite.js';
import { demux, request } from '../helpers/http.js';

const t = useEngine();
const { api, create, inspect } = t;

describe('container lifecycle through the Docker API', () => {
  it('create → start → wait → logs → rm', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }, 'lc-basic');
    expect((await inspect(id)).State.Status).toBe('created');
    const wait = api('POST', `/containers/${id}/wait?condition=next-exit`);
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    const w = await wait;
    expect(JSON.parse(w.body).StatusCode).toBe(3);
    const st = await inspect(id);
    expect(st.State).toMatchObject({ Status: 'exited', ExitCode: 3, Running: false });
    const logs = await api('GET', `/containers/${id}/logs?stdout=1&stderr=1`);
    expect(demux(logs.raw)).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    expect((await api('DELETE', `/containers/${id}`)).status).toBe(204);
    expect((await api('GET', `/containers/${id}/json`)).status).toBe(404);
  });

  it('start twice is 304, stop of a stopped container is 304', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(204);
    expect((await api('POST', `/containers/${id}/start`)).status).toBe(304);
    const st = await inspect(id);
    expect(st.State.Pid).toBeGreaterThan(0);
    // Security defaults are in force inside the container.
    const status = readFileSync(`/proc/${st.State.Pid}/status`, 'utf8');
    expect(status).toMatch(/NoNewPrivs:\s+1/);
    expect(status).toMatch(/CapEff:\s+00000000a80425fb/);
    const pidsMax = readFileSync(`/sys/fs/cgroup/pids${t.eng.cgroupParent}/${id}/pids.max`, 'utf8').trim();
    expect(pidsMax).toBe('2048');
    expect((await api('POST', `/containers/${id}/stop?t=1`)).status).toBe(204);
    expect((await inspect(id)).State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    expect((await api('POST', `/containers/${id}/stop`)).status).toBe(304);
    await api('DELETE', `/containers/${id}`);
  });

  it('pause and unpause', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    await api('POST', `/containers/${id}/start`);
    expect((await api('POST', `/containers/${id}/pause`)).status).toBe(204);
    expect((await inspect(id)).State).toMatchObject({ Status: 'paused', Paused: true });
    expect((await api('POST', `/containers/${id}/pause`)).status).toBe(409);
    expect((await api('POST', `/containers/${id}/unpause`)).status).toBe(204);
    expect((await inspect(id)).State.Status).toBe('running');
    expect((await api('DELETE', `/containers/${id}?force=1`)).status).toBe(204);
  });
});

describe('bad input gets Docker status codes and leaves nothing behind', () => {
  const mountsOf = (id: string) => readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes(id));

  it('unknown image → 404 No such image', async () => {
    const r = await api('POST', '/containers/create', { Image: 'nosuchimage:v9' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).message).toMatch(/No such image: nosuchimage:v9/);
  });

  it('name conflict → 409', async () => {
    await create({ Cmd: ['true'] }, 'dup-name');
    const r = await api('POST', '/containers/create?name=dup-name', { Image: 'busybox', Cmd: ['true'] });
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body).message).toMatch(/already in use/);
  });

  it('invalid name → 400', async () => {
    const r = await api('POST', '/containers/create?name=-bad/name', { Image: 'busybox' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/Invalid container name/);
  });

  it('rm of a running container without force → 409, container kept', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    await api('POST', `/containers/${id}/start`);
    const r = await api('DELETE', `/containers/${id}`);
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body).message).toMatch(/stop the container before removing or force remove/);
    expect((await inspect(id)).State.Running).toBe(true);
    await api('DELETE', `/containers/${id}?force=1`);
    expect(mountsOf(id)).toEqual([]);
  });

  it('invalid JSON body → 400', async () => {
    const r = await request(t.eng.socket, 'POST', '/containers/create', '{"Image": "busybox",', { 'Content-Type': 'application/json' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toBeTruthy();
  });

  it('wrongly typed field → 400 naming it', async () => {
    const r = await api('POST', '/containers/create', { Image: 'busybox', Cmd: 42 });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/Cmd/);
  });

  it('bad signal → 400, container keeps running', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    await api('POST', `/containers/${id}/start`);
    const r = await api('POST', `/containers/${id}/kill?signal=NOPE`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/Invalid signal: NOPE/);
    expect((await inspect(id)).State.Running).toBe(true);
    await api('DELETE', `/containers/${id}?force=1`);
  });

  it('invalid -u → 400 at start, nothing mounted or running', async () => {
    const id = await create({ Cmd: ['id'], User: 'nosuchuser' });
    const r = await api('POST', `/containers/${id}/start`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/unable to find user nosuchuser/);
    expect(mountsOf(id)).toEqual([]);
    expect((await inspect(id)).State.Running).toBe(false);
  });

  it('missing binary → 400 naming it, exit code 127, nothing left running', async () => {
    const id = await create({ Cmd: ['/nope'] });
    const r = await api('POST', `/containers/${id}/start`);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/\/nope/);
    const st = await inspect(id);
    expect(st.State).toMatchObject({ Running: false, ExitCode: 127 });
    expect(mountsOf(id)).toEqual([]);
    const ps = (await import('node:child_process')).execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes('conmon') && l.includes(id))).toEqual([]);
  });

  it('unknown container → 404 on every verb', async () => {
    for (const [m, p] of [['GET', '/containers/nope/json'], ['POST', '/containers/nope/start'], ['POST', '/containers/nope/stop'],
      ['POST', '/containers/nope/kill'], ['DELETE', '/containers/nope'], ['GET', '/containers/nope/logs?stdout=1']] as const) {
      const r = await api(m, p);
      expect(r.status, `${m} ${p}`).toBe(404);
      expect(JSON.parse(r.body).message).toMatch(/No such container: nope/);
    }
  });

  it('the daemon is still alive', async () => {
    expect((await api('GET', '/_ping')).status).toBe(200);
  });
});
