import { describe, expect, it } from 'vitest';
import { dnatRules, fromBindingMap, overlaps, parseHostPort, parsePortKey, portRequests, toBindingMap } from './port-specs.js';

describe('port specs', () => {
  it('parses port keys like moby nat.NewPort', () => {
    expect(parsePortKey('80/tcp')).toEqual({ port: 80, proto: 'tcp' });
    expect(parsePortKey('53/UDP')).toEqual({ port: 53, proto: 'udp' });
    expect(parsePortKey('8080')).toEqual({ port: 8080, proto: 'tcp' });
    expect(() => parsePortKey('0/tcp')).toThrow(/invalid containerPort/);
    expect(() => parsePortKey('80/icmp')).toThrow(/invalid proto/);
    expect(() => parsePortKey('80/sctp')).toThrow(/not supported/);
  });

  it('parses host ports: empty, single, range', () => {
    expect(parseHostPort('')).toEqual([0, 0]);
    expect(parseHostPort('8080')).toEqual([8080, 8080]);
    expect(parseHostPort('8000-8010')).toEqual([8000, 8010]);
    expect(() => parseHostPort('70000')).toThrow(/invalid hostPort/);
    expect(() => parseHostPort('9-3')).toThrow(/invalid hostPort/);
  });

  it('turns -p and -P into requests', () => {
    const reqs = portRequests(
      { '4444/tcp': [{ hostIp: '', hostPort: '' }], '8080/tcp': [{ hostIp: '127.0.0.1', hostPort: '18080' }], '53/udp': [{ hostIp: '', hostPort: '5353' }] },
      { '4444/tcp': {}, '9000/tcp': {} },
      true,
    );
    expect(reqs).toEqual([
      { containerPort: 4444, proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [0, 0] },
      { containerPort: 8080, proto: 'tcp', hostIp: '127.0.0.1', hostPorts: [18080, 18080] },
      { containerPort: 53, proto: 'udp', hostIp: '0.0.0.0', hostPorts: [5353, 5353] },
      { containerPort: 9000, proto: 'tcp', hostIp: '0.0.0.0', hostPorts: [0, 0] },
    ]);
    // Without -P, exposed ports stay unpublished.
    expect(portRequests({}, { '9000/tcp': {} }, false)).toEqual([]);
    expect(() => portRequests({ '80/tcp': [{ hostIp: '::', hostPort: '' }] }, {}, false)).toThrow(/IPv6/);
    expect(() => portRequests({ '80/tcp': [{ hostIp: 'nope', hostPort: '' }] }, {}, false)).toThrow(/invalid IP/);
  });

  it('detects overlapping bindings', () => {
    const a = { proto: 'tcp', hostIp: '0.0.0.0', hostPort: 80 };
    expect(overlaps(a, { proto: 'tcp', hostIp: '127.0.0.1', hostPort: 80 })).toBe(true);
    expect(overlaps(a, { proto: 'udp', hostIp: '0.0.0.0', hostPort: 80 })).toBe(false);
    expect(overlaps({ ...a, hostIp: '127.0.0.1' }, { proto: 'tcp', hostIp: '127.0.0.2', hostPort: 80 })).toBe(false);
    expect(overlaps(a, { ...a, hostPort: 81 })).toBe(false);
  });

  it('round-trips assigned mappings through the Docker shape', () => {
    const ms = [
      { containerPort: 80, proto: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 32768 },
      { containerPort: 80, proto: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080 },
    ];
    const map = toBindingMap(ms);
    expect(map).toEqual({ '80/tcp': [{ hostIp: '0.0.0.0', hostPort: '32768' }, { hostIp: '127.0.0.1', hostPort: '8080' }] });
    expect(fromBindingMap(map)).toEqual(ms);
  });

  it('writes one tagged DNAT rule per mapping into a redeclared chain', () => {
    const text = dnatRules('BERTH-br0-DNAT', 'berth:br0', [
      { containerIp: '10.0.0.2', mappings: [{ containerPort: 80, proto: 'tcp', hostIp: '0.0.0.0', hostPort: 8080 }] },
      { containerIp: '10.0.0.3', mappings: [{ containerPort: 53, proto: 'udp', hostIp: '127.0.0.1', hostPort: 5353 }] },
    ]);
    expect(text.split('\n')).toEqual([
      '*nat',
      ':BERTH-br0-DNAT - [0:0]',
      '-A BERTH-br0-DNAT -p tcp -m tcp --dport 8080 -m comment --comment berth:br0 -j DNAT --to-destination 10.0.0.2:80',
      '-A BERTH-br0-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 5353 -m comment --comment berth:br0 -j DNAT --to-destination 10.0.0.3:53',
      'COMMIT',
      '',
    ]);
    expect(dnatRules('C', 't', [])).toBe('*nat\n:C - [0:0]\nCOMMIT\n');
  });
});
