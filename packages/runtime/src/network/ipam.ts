/**
 * @module network/ipam
 * IPv4 address management for one bridge subnet, persisted as a JSON file so that addresses of
 * running containers survive a daemon restart.
 *
 * File shape: `{ version: 1, subnet, last, allocations: { "<ip>": "<containerId>" } }`. The gateway
 * (network + 1, or the host part given in the subnet string as with `dockerd --bip`) is never
 * handed out. Allocation continues after `last` instead of taking the lowest free address, so a
 * just-released address is not reused at once while peers may still hold its ARP entry (Docker
 * does the same). Every mutation runs under one mutex (one FileIpam per file per process) and is written
 * atomically before it returns.
 */
import { EngineError, errors } from '../errors/engine-error.js';
import { readJson, writeJsonAtomic } from '../util/atomic-file.js';
import { Mutex } from '../util/mutex.js';

export interface Subnet {
  /** Canonical `a.b.c.d/len` with host bits cleared. */
  cidr: string;
  prefixLen: number;
  network: number;
  broadcast: number;
  gateway: string;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw errors.invalid(`invalid IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Accepts `10.231.0.0/24` (gateway .1) or a `--bip`-style `10.231.0.5/24` (gateway .5). */
export function parseSubnet(spec: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(spec);
  const prefixLen = m ? Number(m[2]) : NaN;
  if (!m || prefixLen < 8 || prefixLen > 30) throw errors.invalid(`invalid subnet ${spec}: want a.b.c.d/8..30`);
  const addr = ipToInt(m[1]);
  const size = 2 ** (32 - prefixLen);
  const network = addr - (addr % size);
  const broadcast = network + size - 1;
  const gateway = addr === network ? network + 1 : addr;
  if (gateway === broadcast) throw errors.invalid(`invalid subnet ${spec}: gateway is the broadcast address`);
  return { cidr: `${intToIp(network)}/${prefixLen}`, prefixLen, network, broadcast, gateway: intToIp(gateway) };
}

/** Docker's scheme: 02:42 followed by the four address bytes, so the MAC is stable per IP. */
export function macForIp(ip: string): string {
  const n = ipToInt(ip);
  return ['02', '42', ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

interface IpamFile {
  version: 1;
  subnet: string;
  last: string | null;
  allocations: Record<string, string>;
}

export class FileIpam {
  private readonly mutex = new Mutex();

  constructor(private readonly file: string, readonly subnet: Subnet) {}

  /** Returns the container's address, allocating one if it has none yet (`wanted`: that one, `--ip`). */
  allocate(containerId: string, wanted?: string): Promise<string> {
    return this.mutate((s) => {
      const existing = Object.entries(s.allocations).find(([, id]) => id === containerId);
      if (existing && (!wanted || existing[0] === wanted)) return existing[0];
      if (wanted) {
        const n = ipToInt(wanted);
        if (n <= this.subnet.network || n >= this.subnet.broadcast || wanted === this.subnet.gateway) {
          throw errors.invalid(`no configured subnet or ip-range contain the IP address ${wanted}`);
        }
        const holder = s.allocations[wanted];
        if (holder !== undefined && holder !== containerId) throw errors.conflict(`Address already in use: ${wanted}`);
        if (existing) delete s.allocations[existing[0]];
        s.allocations[wanted] = containerId;
        return wanted;
      }
      const gw = ipToInt(this.subnet.gateway);
      const first = this.subnet.network + 1;
      const count = this.subnet.broadcast - first;
      const lastInt = s.last ? ipToInt(s.last) : first - 1;
      for (let i = 1; i <= count; i++) {
        const n = first + ((lastInt - first + i + count) % count);
        const ip = intToIp(n);
        if (n === gw || s.allocations[ip] !== undefined) continue;
        s.allocations[ip] = containerId;
        s.last = ip;
        return ip;
      }
      throw new EngineError('RESOURCE_EXHAUSTED', `no available IPv4 addresses on subnet ${this.subnet.cidr}`);
    });
  }

  /** Frees every address held by the container; a container without one is fine. */
  release(containerId: string): Promise<void> {
    return this.mutate((s) => {
      for (const [ip, id] of Object.entries(s.allocations)) if (id === containerId) delete s.allocations[ip];
    });
  }

  /** Frees the addresses of every container not in `keep`; returns the freed container ids. */
  releaseExcept(keep: ReadonlySet<string>): Promise<string[]> {
    return this.mutate((s) => {
      const freed: string[] = [];
      for (const [ip, id] of Object.entries(s.allocations)) {
        if (!keep.has(id)) { delete s.allocations[ip]; freed.push(id); }
      }
      return freed;
    });
  }

  /** Snapshot: ip → containerId. */
  async allocations(): Promise<Record<string, string>> {
    return this.mutex.run(async () => ({ ...(await this.load()).allocations }));
  }

  private mutate<T>(fn: (s: IpamFile) => T): Promise<T> {
    return this.mutex.run(async () => {
      const current = await this.load();
      const draft: IpamFile = { ...current, allocations: { ...current.allocations } };
      const before = JSON.stringify(draft);
      const result = fn(draft);
      if (JSON.stringify(draft) !== before) {
        try {
          await writeJsonAtomic(this.file, draft);
        } catch (err) {
          throw errors.internal(`cannot persist IP allocations to ${this.file}`, err);
        }
      }
      return result;
    });
  }

  /** Always from disk (a few hundred bytes): no cache that could drift from the file. */
  private async load(): Promise<IpamFile> {
    let onDisk: IpamFile | undefined;
    try {
      onDisk = await readJson<IpamFile>(this.file);
    } catch (err) {
      throw errors.dataLoss(`cannot read IP allocations from ${this.file}`, err);
    }
    // A changed subnet makes the old allocations meaningless; their containers need a new attach.
    return onDisk && onDisk.subnet === this.subnet.cidr && onDisk.allocations
      ? onDisk
      : { version: 1, subnet: this.subnet.cidr, last: null, allocations: {} };
  }
}
