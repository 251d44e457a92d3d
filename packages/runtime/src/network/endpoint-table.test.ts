import { describe, expect, it } from 'vitest';
import { EndpointTable } from './endpoint-table.js';

const ep = (containerId: string, networkId: string, ip: string, aliases: string[] = []) => ({
  containerId, networkId, name: `n-${containerId}`, hostVeth: `vu${containerId}`,
  state: { networkId, endpointId: 'e', ifName: 'eth0', ipAddress: ip, ipPrefixLen: 24, gateway: '', macAddress: '', aliases },
});

describe('EndpointTable', () => {
  it('lists the names of every container sharing a network, and forgets removed ones', () => {
    const t = new EndpointTable();
    t.set(ep('a', 'n1', '10.0.0.2', ['web']));
    t.set(ep('b', 'n1', '10.0.0.3'));
    t.set(ep('b', 'n2', '10.1.0.3'));
    t.set(ep('c', 'n2', '10.1.0.4'));
    expect(t.peersOf('a').map((p) => `${p.ip} ${p.names.join(',')}`)).toEqual(['10.0.0.2 n-a,web,a', '10.0.0.3 n-b,b']);
    expect(t.peersOf('b').map((p) => p.ip).sort()).toEqual(['10.0.0.2', '10.0.0.3', '10.1.0.3', '10.1.0.4']);
    expect([...t.containersOn(['n2'])].sort()).toEqual(['b', 'c']);
    expect(t.dropContainer('b').sort()).toEqual(['n1', 'n2']);
    expect(t.membersOf('n1').map((e) => e.containerId)).toEqual(['a']);
    t.delete('c', 'n2');
    expect(t.membersOf('n2')).toEqual([]);
    expect(t.peersOf('c')).toEqual([]);
  });
});
