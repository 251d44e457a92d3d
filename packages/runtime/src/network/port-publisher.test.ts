import { describe, expect, it } from 'vitest';
import { IptablesPortPublisher, type PortProbe } from './port-publisher.js';

/** A fake host: `busy` ports are held by host processes; port 0 hands out `next` upwards. */
function setup(busy: number[] = [], next = 32768) {
  const applied: string[] = [];
  let n = next;
  const probe: PortProbe = async (_proto, _ip, port) => {
    if (port === 0) return n++;
    if (busy.includes(port)) throw Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
    return port;
  };
  const pub = new IptablesPortPublisher({ bridgeName: 'br0', probe, apply: async (r) => { applied.push(r); } });
  return { pub, applied };
}

const req = (id: string, ip: string, bindings: Record<string, { hostIp: string; hostPort: string }[]>, extra = {}) => ({
  containerId: id, name: `n-${id}`, containerIp: ip, portBindings: bindings, exposedPorts: {}, publishAll: false, ...extra,
});

describe('IptablesPortPublisher', () => {
  it('assigns fixed and random ports and programs one rule each', async () => {
    const { pub, applied } = setup();
    const got = await pub.publish(req('a', '10.0.0.2', { '80/tcp': [{ hostIp: '', hostPort: '8080' }], '4444/tcp': [{ hostIp: '127.0.0.1', hostPort: '' }] }));
    expect(got).toEqual({ '80/tcp': [{ hostIp: '0.0.0.0', hostPort: '8080' }], '4444/tcp': [{ hostIp: '127.0.0.1', hostPort: '32768' }] });
    expect(applied).toHaveLength(1);
    expect(applied[0]).toContain('--dport 8080 -m comment --comment berth:br0 -j DNAT --to-destination 10.0.0.2:80');
    expect(applied[0]).toContain('-d 127.0.0.1/32 -p tcp -m tcp --dport 32768');
  });

  it('publishes every exposed port with -P', async () => {
    const { pub } = setup();
    const got = await pub.publish(req('a', '10.0.0.2', {}, { exposedPorts: { '8080/tcp': {}, '53/udp': {} }, publishAll: true }));
    expect(got).toEqual({ '8080/tcp': [{ hostIp: '0.0.0.0', hostPort: '32768' }], '53/udp': [{ hostIp: '0.0.0.0', hostPort: '32769' }] });
  });

  it('refuses a port another container holds, and leaves no rule for the loser', async () => {
    const { pub } = setup();
    await pub.publish(req('a', '10.0.0.2', { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }));
    await expect(pub.publish(req('b', '10.0.0.3', { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '8080' }] })))
      .rejects.toThrow(/Bind for 127\.0\.0\.1:8080 failed: port is already allocated/);
    expect(pub.rules()).not.toContain('10.0.0.3');
    // Same port on udp is a different binding.
    await pub.publish(req('c', '10.0.0.4', { '80/udp': [{ hostIp: '', hostPort: '8080' }] }));
    // Freed on unpublish.
    await pub.unpublish('a');
    await pub.publish(req('b', '10.0.0.3', { '80/tcp': [{ hostIp: '127.0.0.1', hostPort: '8080' }] }));
    expect(pub.rules()).not.toContain('10.0.0.2');
  });

  it('refuses a port a host process listens on', async () => {
    const { pub } = setup([9090]);
    const err = await pub.publish(req('a', '10.0.0.2', { '80/tcp': [{ hostIp: '', hostPort: '9090' }] })).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('CONFLICT');
    expect((err as Error).message).toMatch(/0\.0\.0\.0:9090.*address already in use/);
    expect(pub.rules()).not.toContain('DNAT --to');
  });

  it('skips random ports it already handed out and picks the first free port of a range', async () => {
    const { pub } = setup([8001], 40000);
    await pub.publish(req('a', '10.0.0.2', { '80/tcp': [{ hostIp: '', hostPort: '40000' }] }));
    const got = await pub.publish(req('b', '10.0.0.3', { '80/tcp': [{ hostIp: '', hostPort: '' }, { hostIp: '', hostPort: '8000-8003' }] }));
    expect(got['80/tcp']).toEqual([{ hostIp: '0.0.0.0', hostPort: '40001' }, { hostIp: '0.0.0.0', hostPort: '8000' }]);
    const got2 = await pub.publish(req('c', '10.0.0.4', { '81/tcp': [{ hostIp: '', hostPort: '8000-8003' }] }));
    expect(got2['81/tcp']).toEqual([{ hostIp: '0.0.0.0', hostPort: '8002' }]);
  });

  it('rolls back when the rules cannot be written', async () => {
    let fail = false;
    const pub = new IptablesPortPublisher({
      bridgeName: 'br0', probe: async (_p, _i, port) => port,
      apply: async () => { if (fail) throw new Error('iptables-restore: line 3 failed'); },
    });
    fail = true;
    await expect(pub.publish(req('a', '10.0.0.2', { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }))).rejects.toThrow(/cannot program/);
    fail = false;
    // The port was not kept reserved.
    await pub.publish(req('b', '10.0.0.3', { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }));
  });

  it('restore replaces the table: no duplicates, no rules of vanished containers', async () => {
    const { pub } = setup();
    await pub.publish(req('gone', '10.0.0.9', { '80/tcp': [{ hostIp: '', hostPort: '7000' }] }));
    await pub.restore([{ containerId: 'a', containerIp: '10.0.0.2', ports: { '80/tcp': [{ hostIp: '0.0.0.0', hostPort: '8080' }] } }]);
    await pub.restore([{ containerId: 'a', containerIp: '10.0.0.2', ports: { '80/tcp': [{ hostIp: '0.0.0.0', hostPort: '8080' }] } }]);
    const rules = pub.rules().split('\n').filter((l) => l.startsWith('-A'));
    expect(rules).toEqual(['-A BERTH-br0-DNAT -p tcp -m tcp --dport 8080 -m comment --comment berth:br0 -j DNAT --to-destination 10.0.0.2:80']);
    // Restored ports stay reserved.
    await expect(pub.publish(req('b', '10.0.0.3', { '80/tcp': [{ hostIp: '', hostPort: '8080' }] }))).rejects.toThrow(/already allocated/);
  });

  it('flushes the conntrack entries of unpublished UDP ports only', async () => {
    const flushed: { ip: string; ports: string[] }[] = [];
    const pub = new IptablesPortPublisher({
      bridgeName: 'br0', probe: async (_p, _i, port) => port || 40000, apply: async () => undefined,
      flushUdp: async (ip, ms) => { flushed.push({ ip, ports: ms.map((m) => `${m.hostPort}/${m.proto}`) }); },
    });
    await pub.publish(req('u', '10.0.0.9', { '53/udp': [{ hostIp: '', hostPort: '5353' }], '80/tcp': [{ hostIp: '', hostPort: '8080' }] }));
    await pub.publish(req('t', '10.0.0.8', { '81/tcp': [{ hostIp: '', hostPort: '8081' }] }));
    await pub.unpublish('t');
    expect(flushed).toEqual([]);
    await pub.unpublish('u');
    await pub.unpublish('u');
    expect(flushed).toEqual([{ ip: '10.0.0.9', ports: ['5353/udp'] }]);
  });
});
