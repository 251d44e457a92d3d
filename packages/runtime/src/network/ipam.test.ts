import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileIpam, intToIp, ipToInt, macForIp, parseSubnet } from './ipam.js';

describe('subnet helpers', () => {
  it('parses a network address and puts the gateway at .1', () => {
    const s = parseSubnet('10.231.0.0/24');
    expect(s).toMatchObject({ cidr: '10.231.0.0/24', prefixLen: 24, gateway: '10.231.0.1' });
    expect(intToIp(s.broadcast)).toBe('10.231.0.255');
  });
  it('treats a host address as the gateway, like dockerd --bip', () => {
    expect(parseSubnet('172.30.5.9/16')).toMatchObject({ cidr: '172.30.0.0/16', gateway: '172.30.5.9' });
  });
  it('rejects nonsense', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/31', '10.0.0.0/7', '300.1.1.1/24', '10.0.0.255/24']) {
      expect(() => parseSubnet(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
  it('round-trips addresses and derives Docker-style MACs', () => {
    expect(intToIp(ipToInt('255.1.128.7'))).toBe('255.1.128.7');
    expect(macForIp('10.231.0.2')).toBe('02:42:0a:e7:00:02');
  });
});

describe('FileIpam', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => { dir = await mkdtemp('/tmp/bt-ipam-'); file = path.join(dir, 'ipam.json'); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('skips the gateway, is idempotent per container and persists', async () => {
    const ipam = new FileIpam(file, parseSubnet('10.9.0.0/24'));
    expect(await ipam.allocate('a')).toBe('10.9.0.2');
    expect(await ipam.allocate('b')).toBe('10.9.0.3');
    expect(await ipam.allocate('a')).toBe('10.9.0.2');
    const reloaded = new FileIpam(file, parseSubnet('10.9.0.0/24'));
    expect(await reloaded.allocations()).toEqual({ '10.9.0.2': 'a', '10.9.0.3': 'b' });
    expect(await reloaded.allocate('c')).toBe('10.9.0.4');
  });

  it('does not immediately reuse a released address, and wraps around', async () => {
    const ipam = new FileIpam(file, parseSubnet('10.9.0.0/29')); // hosts .2-.6
    for (const id of ['a', 'b', 'c', 'd', 'e']) await ipam.allocate(id);
    await ipam.release('b');
    await ipam.release('a');
    expect(await ipam.allocate('f')).toBe('10.9.0.2');
    expect(await ipam.allocate('g')).toBe('10.9.0.3');
  });

  it('reports exhaustion as RESOURCE_EXHAUSTED and serializes concurrent allocations', async () => {
    const ipam = new FileIpam(file, parseSubnet('10.9.0.0/29'));
    const ips = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => ipam.allocate(id)));
    expect(new Set(ips).size).toBe(5);
    await expect(ipam.allocate('z')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    const onDisk = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(onDisk.allocations)).toHaveLength(5);
  });

  it('releaseExcept keeps only the listed containers', async () => {
    const ipam = new FileIpam(file, parseSubnet('10.9.0.0/24'));
    for (const id of ['a', 'b', 'c']) await ipam.allocate(id);
    expect((await ipam.releaseExcept(new Set(['b']))).sort()).toEqual(['a', 'c']);
    expect(await new FileIpam(file, parseSubnet('10.9.0.0/24')).allocations()).toEqual({ '10.9.0.3': 'b' });
  });

  it('starts over when the configured subnet changed', async () => {
    await writeFile(file, JSON.stringify({ version: 1, subnet: '10.8.0.0/24', last: '10.8.0.9', allocations: { '10.8.0.9': 'a' } }));
    const ipam = new FileIpam(file, parseSubnet('10.9.0.0/24'));
    expect(await ipam.allocations()).toEqual({});
    expect(await ipam.allocate('a')).toBe('10.9.0.2');
  });
});
