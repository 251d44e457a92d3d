/**
 * @module network/subnet-pool
 * Where user networks get their subnets when `network create` names none: dockerd's
 * `--default-address-pool base=CIDR,size=N` pools, tried in order, skipping every candidate that
 * overlaps a subnet in use (our networks, and any route of the host: another engine's bridge, the
 * LAN). Pure apart from `hostRoutes`, which reads the routing table.
 */
import { EngineError, errors } from '../errors/engine-error.js';
import { run } from '../util/exec-file.js';
import { intToIp, ipToInt, parseSubnet, type Subnet } from './ipam.js';

export interface AddressPool {
  base: string;
  size: number;
}

/** dockerd's defaults: 172.17–31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: readonly AddressPool[] = [
  { base: '172.17.0.0/16', size: 16 }, { base: '172.18.0.0/15', size: 16 }, { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/13', size: 16 }, { base: '192.168.0.0/16', size: 20 },
];

/** `base=10.10.0.0/16,size=24` (dockerd syntax) or `10.10.0.0/16:24`; several separated by `;`. */
export function parsePools(spec: string): AddressPool[] {
  const pools: AddressPool[] = [];
  for (const part of spec.split(';').map((p) => p.trim()).filter(Boolean)) {
    let base: string | undefined;
    let size: number | undefined;
    const short = /^([\d.]+\/\d+):(\d+)$/.exec(part);
    if (short) { base = short[1]; size = Number(short[2]); } else {
      for (const kv of part.split(',')) {
        const [k, v] = kv.split('=').map((x) => x.trim());
        if (k === 'base') base = v; else if (k === 'size') size = Number(v);
      }
    }
    if (!base || !size) throw errors.invalid(`invalid address pool "${part}": want base=CIDR,size=N`);
    const [, len] = cidrRange(base);
    if (size < len || size > 30) throw errors.invalid(`invalid address pool "${part}": size must be between ${len} and 30`);
    pools.push({ base, size });
  }
  return pools;
}

/** [first address, prefix length, last address] of a CIDR, host bits cleared. */
export function cidrRange(cidr: string): [number, number, number] {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const len = m ? Number(m[2]) : NaN;
  if (!m || len > 32) throw errors.invalid(`invalid CIDR address: ${cidr}`);
  const size = 2 ** (32 - len);
  const addr = ipToInt(m[1]!);
  const first = addr - (addr % size);
  return [first, len, first + size - 1];
}

export function overlaps(a: string, b: string): boolean {
  const [a0, , a1] = cidrRange(a);
  const [b0, , b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

/** The first subnet of the pools overlapping nothing in `used`. */
export function pickSubnet(pools: readonly AddressPool[], used: readonly string[]): string {
  for (const pool of pools) {
    const [first, , last] = cidrRange(pool.base);
    const step = 2 ** (32 - pool.size);
    for (let n = first; n + step - 1 <= last; n += step) {
      const cand = `${intToIp(n)}/${pool.size}`;
      if (!used.some((u) => overlaps(u, cand))) return cand;
    }
  }
  throw errors.unavailable('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
}

/** Destinations of the host's IPv4 routes (default route excluded), as CIDRs. */
export async function hostRoutes(): Promise<string[]> {
  const out = (await run('ip', ['-4', '-o', 'route', 'show', 'table', 'main'])).stdout;
  const cidrs: string[] = [];
  for (const line of out.split('\n')) {
    const dst = line.trim().split(/\s+/)[0];
    if (!dst || dst === 'default' || !/^[\d.]+(\/\d+)?$/.test(dst)) continue;
    cidrs.push(dst.includes('/') ? dst : `${dst}/32`);
  }
  return cidrs;
}

/**
 * The subnet of a new network: the requested one (403 on overlap, as moby's ErrPoolOverlap) or
 * the first free one of the pools; the gateway is the requested one or the first address.
 */
export function planSubnet(want: { subnet?: string; gateway?: string }, used: readonly string[], pools: readonly AddressPool[], routes: readonly string[]): Subnet {
  let cidr: string;
  if (want.subnet) {
    const [first, len] = cidrRange(want.subnet);
    cidr = `${intToIp(first)}/${len}`;
    if (used.some((u) => overlaps(u, cidr))) throw new EngineError('PERMISSION_DENIED', 'Pool overlaps with other one on this address space');
  } else {
    cidr = pickSubnet(pools, [...used, ...routes]);
  }
  if (want.gateway && !overlaps(`${want.gateway}/32`, cidr)) throw errors.invalid(`no matching subnet for gateway ${want.gateway}`);
  try {
    return parseSubnet(want.gateway ? `${want.gateway}/${cidr.split('/')[1]}` : cidr);
  } catch (err) {
    throw errors.invalid(`invalid subnet or gateway: ${(err as Error).message}`, err);
  }
}
