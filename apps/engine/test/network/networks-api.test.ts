/**
 * User-defined networks through the Docker API against a real berthd: shapes and errors of
 * `/networks`, name resolution by generated hosts entries, connect/disconnect of a running
 * container, isolation between networks, and state surviving a daemon restart.
 * Subnets are explicit and inside 10.224.0.0/16, the range reserved for these tests.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/suite.js';
import { demux } from '../helpers/http.js';

const t = useEngine();
const { api, create, inspect } = t;
const third = 150 + Math.floor(Math.random() * 40);
const sub = (i: number) => `10.224.${third + i * 40}.0/24`;

async function exec(id: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const c = await api('POST', `/containers/${id}/exec`, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const eid = JSON.parse(c.body).Id as string;
  const r = await api('POST', `/exec/${eid}/start`, { Detach: false, Tty: false });
  const code = JSON.parse((await api('GET', `/exec/${eid}/json`)).body).ExitCode as number;
  const { stdout, stderr } = demux(r.raw);
  return { code, out: stdout + stderr };
}

async function run(body: Record<string, unknown>, name?: string): Promise<string> {
  const id = await create({ Cmd: ['sleep', '1000'], ...body }, name);
  const r = await api('POST', `/containers/${id}/start`);
  expect(r.status, r.body).toBe(204);
  return id;
}

describe('/networks', () => {
  it('lists the predefined networks and refuses to remove them', async () => {
    const list = JSON.parse((await api('GET', '/networks')).body) as { Name: string; Driver: string }[];
    expect(list.map((n) => `${n.Name}/${n.Driver}`)).toEqual(expect.arrayContaining(['bridge/bridge', 'host/host', 'none/null']));
    const br = JSON.parse((await api('GET', '/networks/bridge')).body);
    expect(br.IPAM.Config[0].Subnet).toMatch(/\/24$/);
    expect(br.Options['com.docker.network.bridge.name']).toBe(t.eng.bridge);
    const rm = await api('DELETE', '/networks/bridge');
    expect(rm.status).toBe(403);
    expect(JSON.parse(rm.body).message).toBe('bridge is a pre-defined network and cannot be removed');
    const missing = await api('GET', '/networks/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).message).toBe('network nope not found');
  });

  it('creates, resolves names, connects, isolates, survives a restart and removes', async () => {
    const mk = (name: string, i: number) => api('POST', '/networks/create', { Name: name, IPAM: { Config: [{ Subnet: sub(i) }] }, Labels: { t: '1' } });
    const a = await mk(`na-${third}`, 0);
    expect(a.status, a.body).toBe(201);
    const netA = JSON.parse(a.body).Id as string;
    const b = await mk(`nb-${third}`, 1);
    expect(b.status, b.body).toBe(201);
    const netB = JSON.parse(b.body).Id as string;
    expect((await mk(`na-${third}`, 2)).status).toBe(409);
    const overlap = await api('POST', '/networks/create', { Name: `nc-${third}`, IPAM: { Config: [{ Subnet: sub(0).replace('.0/24', '.128/25') }] } });
    expect(overlap.status).toBe(403);
    expect(JSON.parse(overlap.body).message).toBe('Pool overlaps with other one on this address space');
    const bridge = JSON.parse((await api('GET', `/networks/${netA}`)).body).Options['com.docker.network.bridge.name'] as string;
    expect(execFileSync('ip', ['-br', 'addr', 'show', 'dev', bridge], { encoding: 'utf8' })).toContain(sub(0).replace('.0/24', '.1/24'));

    const srv = await run({ HostConfig: { NetworkMode: `na-${third}` }, NetworkingConfig: { EndpointsConfig: { [`na-${third}`]: { Aliases: ['web'] } } } }, `srv-${third}`);
    const cli = await run({ HostConfig: { NetworkMode: netA } });
    const other = await run({ HostConfig: { NetworkMode: netB } });
    const srvNet = (await inspect(srv)).NetworkSettings.Networks[`na-${third}`];
    expect(srvNet).toMatchObject({ NetworkID: netA, Aliases: ['web'], Gateway: sub(0).replace('.0/24', '.1') });
    expect(srvNet.IPAddress).toMatch(/^10\.224\./);
    expect((await exec(cli, ['ping', '-c1', '-W2', 'web'])).code).toBe(0);
    expect((await exec(cli, ['ping', '-c1', '-W2', `srv-${third}`])).code).toBe(0);
    // Isolation: a container of another network cannot reach srv by address.
    expect((await exec(other, ['ping', '-c1', '-W1', srvNet.IPAddress])).code).not.toBe(0);

    const inUse = await api('DELETE', `/networks/${netA}`);
    expect(inUse.status).toBe(403);
    expect(JSON.parse(inUse.body).message).toMatch(/has active endpoints/);

    expect((await api('POST', `/networks/${netA}/connect`, { Container: other, EndpointConfig: { Aliases: ['oth'] } })).status).toBe(200);
    expect((await api('POST', `/networks/${netA}/connect`, { Container: other })).status).toBe(403);
    expect((await exec(other, ['ping', '-c1', '-W2', 'web'])).code).toBe(0);
    expect((await exec(srv, ['ping', '-c1', '-W2', 'oth'])).code).toBe(0);
    expect(Object.keys((await inspect(other)).NetworkSettings.Networks).sort()).toEqual([`na-${third}`, `nb-${third}`]);
    const members = JSON.parse((await api('GET', `/networks/${netA}`)).body).Containers as Record<string, { Name: string }>;
    expect(Object.values(members).map((m) => m.Name).sort()).toHaveLength(3);

    await t.eng.restart();
    expect((await exec(other, ['ping', '-c1', '-W2', 'web'])).code).toBe(0);
    expect(Object.keys(JSON.parse((await api('GET', `/networks/${netA}`)).body).Containers)).toHaveLength(3);

    expect((await api('POST', `/networks/${netA}/disconnect`, { Container: other })).status).toBe(200);
    expect((await exec(other, ['ls', '/sys/class/net'])).out.trim().split(/\s+/).sort()).toEqual(['eth0', 'lo']);
    expect((await exec(srv, ['cat', '/etc/hosts'])).out).not.toContain('oth');
    expect((await api('POST', `/networks/${netA}/disconnect`, { Container: other })).status).toBe(403);

    for (const id of [srv, cli, other]) expect((await api('DELETE', `/containers/${id}?force=1`)).status).toBe(204);
    expect((await api('DELETE', `/networks/${netA}`)).status).toBe(204);
    const pruned = JSON.parse((await api('POST', `/networks/prune?filters=${encodeURIComponent('{"label":["t=1"]}')}`)).body);
    expect(pruned.NetworksDeleted).toEqual([`nb-${third}`]);
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(bridge);
  }, 180_000);

  it('joins another container\'s netns with container:<id>', async () => {
    const host = await run({ Hostname: 'shared-host' });
    const joiner = await run({ HostConfig: { NetworkMode: `container:${host}` } });
    const ip = (await inspect(host)).NetworkSettings.IPAddress as string;
    const r = await exec(joiner, ['sh', '-c', 'ip -o -4 addr show eth0; hostname']);
    expect(r.out).toContain(ip);
    expect(r.out).toContain('shared-host');
    expect((await inspect(joiner)).NetworkSettings.Networks).toEqual({});
    const bad = await api('POST', '/containers/create', { Image: 'busybox', Hostname: 'x', HostConfig: { NetworkMode: `container:${host}` } });
    expect(bad.status).toBe(400);
    for (const id of [joiner, host]) await api('DELETE', `/containers/${id}?force=1`);
  });

  it('answers Docker\'s errors for unknown networks and links', async () => {
    const r = await api('POST', '/containers/create', { Image: 'busybox', HostConfig: { NetworkMode: 'no-such-net' } });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).message).toBe('network no-such-net not found');
    const l = await api('POST', '/containers/create', { Image: 'busybox', HostConfig: { Links: ['no-such-ctr:x'] } });
    expect(l.status).toBe(404);
    const db = await run({ Env: ['SECRET=s3'] }, `db-${third}`);
    const web = await run({ HostConfig: { Links: [`db-${third}:dbalias`] } });
    // Link env is in the container's process env (exec builds its own from the config).
    const out = (await exec(web, ['sh', '-c', 'cat /etc/hosts; tr "\\0" "\\n" < /proc/1/environ'])).out;
    expect(out).toMatch(/\tdbalias [0-9a-f]{12} db-/);
    expect(out).toContain('DBALIAS_ENV_SECRET=s3');
    expect(out).toContain(`DBALIAS_NAME=/`);
    for (const id of [web, db]) await api('DELETE', `/containers/${id}?force=1`);
  });
});
