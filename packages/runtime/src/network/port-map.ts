/**
 * @module network/port-map
 * Host-wide view of published ports (Berth extension for the dashboard) and the "is this host port
 * free?" check the run dialog makes BEFORE create. Berth publishes with iptables DNAT and no
 * userland proxy, so a port Berth holds is invisible to bind(2): the container records are checked
 * first, then the host's own sockets (/proc/net/{tcp,udp}{,6}), then a real bind probe (catches
 * sockets of other network namespaces sharing the host stack and anything /proc parsing missed).
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { errors } from '../errors/engine-error.js';
import type { ContainerRecord } from '../containers/container-types.js';

export type Proto = 'tcp' | 'udp';

export interface PortMapRow {
  hostIp: string;
  hostPort: number;
  proto: Proto;
  containerId: string;
  containerName: string;
  containerPort: number;
  /** The container's status: only running/paused containers hold their ports. */
  state: string;
  active: boolean;
}

export interface PortCheck {
  free: boolean;
  heldBy?: { containerId: string; name: string } | 'host';
}

export interface PortMapService {
  map(): Promise<PortMapRow[]>;
  check(q: { hostIp?: string; hostPort: number; proto: Proto }): Promise<PortCheck>;
}

const HOLDING = new Set(['running', 'paused', 'starting', 'stopping', 'restarting']);

/** Rows of every container's bindings (live ones when running, else the requested ones). */
export function portMapRows(records: readonly ContainerRecord[]): PortMapRow[] {
  const rows: PortMapRow[] = [];
  for (const r of records) {
    const active = HOLDING.has(r.state.status);
    const bound = (active ? r.network?.ports : undefined) ?? r.hostConfig.portBindings ?? {};
    for (const [key, list] of Object.entries(bound)) {
      const [p, proto = 'tcp'] = key.split('/');
      for (const b of list ?? []) {
        const hostPort = Number(b.hostPort);
        if (!hostPort) continue; // an ephemeral port not assigned yet (stopped container)
        rows.push({
          hostIp: b.hostIp || '0.0.0.0', hostPort, proto: proto as Proto, containerId: r.id, containerName: r.name.replace(/^\//, ''),
          containerPort: Number(p), state: r.state.status, active,
        });
      }
    }
  }
  return rows.sort((a, b) => a.hostPort - b.hostPort || a.proto.localeCompare(b.proto) || a.hostIp.localeCompare(b.hostIp));
}

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/** Two host addresses conflict when either is a wildcard or they are equal. */
export function ipsOverlap(a: string, b: string): boolean {
  return WILDCARDS.has(a) || WILDCARDS.has(b) || a === b;
}

/** Decodes /proc/net/{tcp,udp}[6] `local_address` (`0100007F:1F90`) into ip and port. */
export function parseProcAddr(s: string): { ip: string; port: number } {
  const [hex = '', portHex = '0'] = s.split(':');
  const port = parseInt(portHex, 16);
  if (hex.length === 8) {
    const n = parseInt(hex, 16);
    return { ip: [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.'), port };
  }
  // IPv6: four little-endian 32-bit words.
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    words.push(w.slice(6, 8) + w.slice(4, 6), w.slice(2, 4) + w.slice(0, 2));
  }
  const ip = words.map((w) => w.replace(/^0+(?=.)/, '').toLowerCase()).join(':');
  return { ip: /^(0:){7}0$/.test(ip) ? '::' : ip, port };
}

/** Host sockets bound to `port` (tcp: LISTEN only; udp: any bound socket). */
export function procSocketsOn(text: string, proto: Proto, port: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const { ip, port: p } = parseProcAddr(f[1]!);
    if (p !== port) continue;
    if (proto === 'tcp' && f[3] !== '0A') continue;
    out.push(ip);
  }
  return out;
}

async function bindProbe(ip: string, port: number, proto: Proto): Promise<'free' | 'used'> {
  const host = ip || '0.0.0.0';
  return new Promise((resolve, reject) => {
    const onErr = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve('used');
      else if (err.code === 'EADDRNOTAVAIL') reject(errors.invalid(`host address ${host} is not an address of this host`));
      else reject(errors.internal(`port probe failed: ${err.message}`, err));
    };
    if (proto === 'udp') {
      const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', (e) => { s.close(); onErr(e); });
      s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve('free')));
    } else {
      const s = net.createServer();
      s.once('error', onErr);
      s.listen({ port, host, exclusive: true }, () => s.close(() => resolve('free')));
    }
  });
}

export function createPortMapService(deps: { records(): readonly ContainerRecord[]; procNet?: string; probe?: typeof bindProbe }): PortMapService {
  const procNet = deps.procNet ?? '/proc/net';
  const probe = deps.probe ?? bindProbe;
  return {
    async map() { return portMapRows(deps.records()); },
    async check({ hostIp = '', hostPort, proto }) {
      if (!Number.isInteger(hostPort) || hostPort < 1 || hostPort > 65535) throw errors.invalid(`invalid host port ${hostPort}`);
      if (hostIp && net.isIP(hostIp) === 0) throw errors.invalid(`invalid host IP ${hostIp}`);
      const held = portMapRows(deps.records()).find((r) => r.active && r.proto === proto && r.hostPort === hostPort && ipsOverlap(r.hostIp, hostIp));
      if (held) return { free: false, heldBy: { containerId: held.containerId, name: held.containerName } };
      for (const file of [proto, `${proto}6`]) {
        const text = await fs.readFile(`${procNet}/${file}`, 'utf8').catch(() => '');
        if (procSocketsOn(text, proto, hostPort).some((ip) => ipsOverlap(ip, hostIp))) return { free: false, heldBy: 'host' };
      }
      return (await probe(hostIp, hostPort, proto)) === 'used' ? { free: false, heldBy: 'host' } : { free: true };
    },
  };
}
