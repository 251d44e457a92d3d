import { describe, expect, it } from 'vitest';
import { DEFAULT_POOLS, cidrRange, overlaps, parsePools, pickSubnet } from './subnet-pool.js';

describe('subnet pools', () => {
  it('parses dockerd and short syntax', () => {
    expect(parsePools('base=10.224.128.0/17,size=24')).toEqual([{ base: '10.224.128.0/17', size: 24 }]);
    expect(parsePools('10.1.0.0/16:24; 10.2.0.0/16:20')).toEqual([{ base: '10.1.0.0/16', size: 24 }, { base: '10.2.0.0/16', size: 20 }]);
    expect(parsePools('')).toEqual([]);
    expect(() => parsePools('base=10.0.0.0/16,size=8')).toThrow(/size must be between 16 and 30/);
    expect(() => parsePools('nonsense')).toThrow(/invalid address pool/);
  });

  it('detects overlaps', () => {
    expect(overlaps('10.0.0.0/8', '10.224.1.0/24')).toBe(true);
    expect(overlaps('10.224.1.0/24', '10.224.2.0/24')).toBe(false);
    expect(cidrRange('10.224.1.77/24')[0]).toBe(cidrRange('10.224.1.0/24')[0]);
  });

  it('picks the first free subnet, skipping used ones and host routes', () => {
    const pools = parsePools('base=10.224.128.0/22,size=24');
    expect(pickSubnet(pools, [])).toBe('10.224.128.0/24');
    expect(pickSubnet(pools, ['10.224.128.0/24', '10.224.129.5/32'])).toBe('10.224.130.0/24');
    expect(() => pickSubnet(pools, ['10.224.128.0/22'])).toThrow(/non-overlapping/);
    expect(pickSubnet(DEFAULT_POOLS, ['172.17.0.0/16'])).toBe('172.18.0.0/16');
  });
});
