import { describe, expect, it } from 'vitest';
import type { NetworkView } from '@berth/runtime';
import { networkFilterFrom, toDockerNetwork } from './networks.js';

const view: NetworkView = {
  id: 'a'.repeat(64), name: 'n1', created: '2026-11-29T00:00:00.000Z', driver: 'bridge', internal: false, predefined: false,
  ipam: [{ subnet: '10.224.128.0/24', gateway: '10.224.128.1' }], options: { 'com.docker.network.bridge.name': 'br-aaaaaaaaaaaa' },
  labels: { x: 'y' },
  containers: { ['c'.repeat(64)]: { containerId: 'c'.repeat(64), name: 'web', endpointId: 'e'.repeat(64), macAddress: '02:42:0a:e0:80:02', ipv4Address: '10.224.128.2/24' } },
};

describe('network wire shapes', () => {
  it('maps a network view to Docker\'s NetworkResource', () => {
    const d = toDockerNetwork(view);
    expect(d).toMatchObject({
      Name: 'n1', Id: view.id, Scope: 'local', Driver: 'bridge', EnableIPv6: false, Internal: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.224.128.0/24', Gateway: '10.224.128.1' }] },
      Labels: { x: 'y' },
    });
    expect((d.Containers as Record<string, unknown>)['c'.repeat(64)]).toEqual({
      Name: 'web', EndpointID: 'e'.repeat(64), MacAddress: '02:42:0a:e0:80:02', IPv4Address: '10.224.128.2/24', IPv6Address: '',
    });
    expect(toDockerNetwork(view, false).Containers).toEqual({});
  });

  it('parses list filters and rejects unknown ones', () => {
    expect(networkFilterFrom('{"name":{"n1":true},"type":["custom"],"driver":["bridge"]}')).toEqual({ names: ['n1'], types: ['custom'], drivers: ['bridge'] });
    expect(() => networkFilterFrom('{"type":["weird"]}')).toThrow(/invalid filter/);
    expect(() => networkFilterFrom('{"color":["red"]}')).toThrow(/invalid filter 'color'/);
  });
});
