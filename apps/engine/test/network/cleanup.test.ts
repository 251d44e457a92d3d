/**
 * Issue 6 §5: every run releases what it took. Counts the daemon's netns, veths, IPAM leases and
 * iptables rules, runs 50 create/start/rm cycles over every kind of network setup (default bridge
 * with a published port, a user network with an alias, a second network connected while running,
 * `container:<id>`, a legacy link), and expects the very same counts afterwards.
 * Subnets are explicit and inside 10.224.0.0/16, the range reserved for these tests.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/suite.js';

const t = useEngine();
const { api, create } = t;
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });
const octet = 200 + Math.floor(Math.random() * 25);

async function ok(p: Promise<{ status: number; body: string }>, status: number): Promise<string> {
  const r = await p;
  expect(r.status, r.body).toBe(status);
  return r.body;
}

describe('network cleanup', () => {
  const nets: { id: string; bridge: string }[] = [];

  afterAll(async () => {
    for (const id of (JSON.parse((await api('GET', '/containers/json?all=1')).body) as { Id: string }[]).map((c) => c.Id)) {
      await api('DELETE', `/containers/${id}?force=1`);
    }
    for (const n of nets) await api('DELETE', `/networks/${n.id}`);
  });

  function counts() {
    const bridges = [t.eng.bridge, ...nets.map((n) => n.bridge)];
    const prefix = `${t.eng.bridge.slice(0, 6)}-`;
    const links = sh('ip', ['-o', 'link', 'show']).split('\n');
    const rules = (table: string) => sh('iptables-save', ['-t', table]).split('\n')
      .filter((l) => l.startsWith('-A') && bridges.some((b) => l.includes(b))).sort();
    const stateDir = path.join(t.eng.dataRoot, 'network');
    const leases = readdirSync(stateDir).filter((f) => f.startsWith('ipam-'))
      .map((f) => Object.keys((JSON.parse(readFileSync(path.join(stateDir, f), 'utf8')) as { allocations: object }).allocations).length)
      .reduce((a, b) => a + b, 0);
    return {
      netns: sh('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith(prefix)).length,
      veths: links.filter((l) => bridges.some((b) => l.includes(` master ${b} `))).length,
      leases,
      nat: rules('nat'),
      filter: rules('filter'),
    };
  }

  it('leaves netns, veths, leases and iptables rules as it found them after 50 cycles', async () => {
    for (const [name, third] of [['cl-a', octet], ['cl-b', octet + 25]] as const) {
      const body = await ok(api('POST', '/networks/create', { Name: `${name}-${octet}`, IPAM: { Config: [{ Subnet: `10.224.${third}.0/24` }] } }), 201);
      const id = JSON.parse(body).Id as string;
      const insp = JSON.parse(await ok(api('GET', `/networks/${id}`), 200));
      nets.push({ id, bridge: insp.Options['com.docker.network.bridge.name'] });
    }
    // A long-lived neighbour on each network, so the counts are not trivially zero.
    const anchor = await create({ Cmd: ['sleep', '1000'], HostConfig: { NetworkMode: nets[0]!.id } }, `cl-anchor-${octet}`);
    await ok(api('POST', `/containers/${anchor}/start`), 204);
    await ok(api('POST', `/networks/${nets[1]!.id}/connect`, { Container: anchor }), 200);
    const before = counts();
    expect(before.netns).toBe(1);
    expect(before.veths).toBe(2);
    expect(before.leases).toBe(2);

    for (let i = 0; i < 50; i++) {
      const kind = i % 5;
      const body: Record<string, unknown> = { Cmd: ['sleep', '1000'] };
      if (kind === 0) body.HostConfig = { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } };
      if (kind === 1) Object.assign(body, { HostConfig: { NetworkMode: nets[0]!.id }, NetworkingConfig: { EndpointsConfig: { [nets[0]!.id]: { Aliases: [`al${i}`] } } } });
      if (kind === 2) body.HostConfig = { NetworkMode: nets[1]!.id };
      if (kind === 3) body.HostConfig = { NetworkMode: `container:${anchor}` };
      if (kind === 4) body.HostConfig = { Links: [`cl-anchor-${octet}:db`] };
      const id = await create(body);
      await ok(api('POST', `/containers/${id}/start`), 204);
      if (kind === 2) await ok(api('POST', `/networks/${nets[0]!.id}/connect`, { Container: id }), 200);
      if (kind === 1) {
        // The neighbour sees the newcomer by its alias while it runs.
        expect(readFileSync(path.join(t.eng.dataRoot, 'containers', anchor, 'hosts'), 'utf8')).toContain(`al${i}`);
      }
      await ok(api('DELETE', `/containers/${id}?force=1`), 204);
    }

    const after = counts();
    expect(after).toEqual(before);
    expect(readFileSync(path.join(t.eng.dataRoot, 'containers', anchor, 'hosts'), 'utf8')).not.toMatch(/\bal\d+\b/);
  }, 300_000);
});
