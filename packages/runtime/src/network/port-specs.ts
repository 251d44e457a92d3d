/**
 * @module network/port-specs
 * Pure helpers for published ports: what a container asks for (Docker's `PortBindings` plus
 * `PublishAllPorts` over `ExposedPorts`) and the nat rules that implement the assigned mappings.
 *
 * Vocabulary: a *port key* is Docker's `"80/tcp"`; a *request* is one binding as the user gave it
 * (`hostIp` '' = all addresses, `hostPort` '' = any free port, or `"8000-8010"` = first free in
 * range); a *mapping* is what was actually assigned (concrete IP and port).
 */
import { isIP } from 'node:net';
import { errors } from '../errors/engine-error.js';

export type PortProto = 'tcp' | 'udp';

/** Docker's NetworkSettings.Ports shape in camelCase: `"80/tcp" → [{hostIp, hostPort}]`. */
export type PortBindingMap = Record<string, { hostIp: string; hostPort: string }[]>;

export interface PortRequest {
  containerPort: number;
  proto: PortProto;
  /** '0.0.0.0' when the user gave none. */
  hostIp: string;
  /** Inclusive range; [0, 0] = any free port. */
  hostPorts: [number, number];
}

export interface PortMapping {
  containerPort: number;
  proto: PortProto;
  hostIp: string;
  hostPort: number;
}

function parsePortNumber(s: string, what: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw errors.invalid(`invalid ${what}: ${s}`);
  return n;
}

/** `"80/tcp"` → {80, 'tcp'}; a missing protocol means tcp, as in moby's nat.NewPort. */
export function parsePortKey(key: string): { port: number; proto: PortProto } {
  const [port = '', proto = 'tcp'] = key.toLowerCase().split('/');
  if (proto === 'sctp') throw errors.notImplemented(`publishing sctp ports is not supported (${key})`);
  if (proto !== 'tcp' && proto !== 'udp') throw errors.invalid(`invalid proto: ${proto}`);
  return { port: parsePortNumber(port, 'containerPort'), proto };
}

/** `''` → any, `"8080"`, `"8000-8010"`. */
export function parseHostPort(s: string): [number, number] {
  if (s === '' || s === '0') return [0, 0];
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) {
    const p = parsePortNumber(s, 'hostPort');
    return [p, p];
  }
  const a = parsePortNumber(m[1]!, 'hostPort');
  const b = parsePortNumber(m[2]!, 'hostPort');
  if (b < a) throw errors.invalid(`invalid hostPort: ${s}`);
  return [a, b];
}

/**
 * Everything a container start has to publish: each explicit binding, plus (with
 * `publishAll`) one random host port for every exposed port that has no binding.
 */
export function portRequests(
  bindings: PortBindingMap, exposedPorts: Record<string, unknown>, publishAll: boolean,
): PortRequest[] {
  const all: PortBindingMap = { ...bindings };
  if (publishAll) {
    for (const key of Object.keys(exposedPorts)) {
      if (!all[key]?.length) all[key] = [{ hostIp: '', hostPort: '' }];
    }
  }
  const out: PortRequest[] = [];
  for (const [key, bs] of Object.entries(all)) {
    const { port, proto } = parsePortKey(key);
    for (const b of bs ?? []) {
      const hostIp = b.hostIp === '' ? '0.0.0.0' : b.hostIp;
      if (isIP(hostIp) === 6) throw errors.notImplemented(`publishing on IPv6 address ${hostIp} is not supported`);
      if (isIP(hostIp) !== 4) throw errors.invalid(`invalid IP address: ${b.hostIp}`);
      out.push({ containerPort: port, proto, hostIp, hostPorts: parseHostPort(b.hostPort) });
    }
  }
  return out;
}

/** Two bindings collide when protocol and port match and their addresses overlap. */
export function overlaps(a: { proto: string; hostIp: string; hostPort: number }, b: { proto: string; hostIp: string; hostPort: number }): boolean {
  return a.proto === b.proto && a.hostPort === b.hostPort
    && (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0');
}

/** Assigned mappings in Docker's Ports shape (all of a key's bindings, in request order). */
export function toBindingMap(mappings: readonly PortMapping[]): PortBindingMap {
  const out: PortBindingMap = {};
  for (const m of mappings) (out[`${m.containerPort}/${m.proto}`] ??= []).push({ hostIp: m.hostIp, hostPort: String(m.hostPort) });
  return out;
}

/** Inverse of toBindingMap, for rebuilding state from persisted records. */
export function fromBindingMap(map: PortBindingMap): PortMapping[] {
  const out: PortMapping[] = [];
  for (const [key, bs] of Object.entries(map)) {
    const { port, proto } = parsePortKey(key);
    for (const b of bs) out.push({ containerPort: port, proto, hostIp: b.hostIp || '0.0.0.0', hostPort: Number(b.hostPort) });
  }
  return out;
}

export interface DnatEntry {
  containerIp: string;
  mappings: readonly PortMapping[];
}

/**
 * The iptables-restore input that redefines the whole DNAT chain (declaring it flushes it, so a
 * rewrite can never leave duplicates). Loopback-only bindings are reachable only from the host.
 */
export function dnatRules(chain: string, comment: string, entries: Iterable<DnatEntry>): string {
  const lines = ['*nat', `:${chain} - [0:0]`];
  for (const e of entries) {
    for (const m of e.mappings) {
      const dst = m.hostIp === '0.0.0.0' ? '' : `-d ${m.hostIp}/32 `;
      lines.push(`-A ${chain} ${dst}-p ${m.proto} -m ${m.proto} --dport ${m.hostPort} -m comment --comment ${comment} `
        + `-j DNAT --to-destination ${e.containerIp}:${m.containerPort}`);
    }
  }
  lines.push('COMMIT', '');
  return lines.join('\n');
}
