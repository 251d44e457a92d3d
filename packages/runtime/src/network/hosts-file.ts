/**
 * @module network/hosts-file
 * Name resolution on user-defined networks and legacy links, by generated /etc/hosts entries
 * rather than an embedded DNS server: busybox, musl and glibc all read /etc/hosts first, no
 * process has to sit in every container's netns, and nothing can fail at query time. The price is
 * that entries are a snapshot, so every attach/detach rewrites the hosts file of each running
 * container on the networks concerned.
 *
 * A hosts file is the base part that container-bundle.ts writes at start (localhost, --add-host,
 * the container's own name, --link targets) followed by a block that starts at PEERS_MARKER and
 * lists the other containers of its networks. The block is replaced IN PLACE (same inode): the
 * file is bind-mounted into the container, so a rename would leave the container the old file.
 */
import { promises as fs } from 'node:fs';
import type { ContainerRecord } from '../containers/container-types.js';

export const PEERS_MARKER = '# berth: containers on the same networks';

export interface HostsPeer {
  ip: string;
  names: string[];
}

export function peersBlock(peers: readonly HostsPeer[]): string {
  if (peers.length === 0) return '';
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const p of peers) {
    const names: string[] = [];
    for (const n of p.names) {
      if (!n || seen.has(`${p.ip} ${n}`)) continue;
      seen.add(`${p.ip} ${n}`);
      names.push(n);
    }
    if (names.length) lines.push(`${p.ip}\t${names.join(' ')}`);
  }
  return lines.length ? `${PEERS_MARKER}\n${lines.join('\n')}\n` : '';
}

/** `base` without any previous peers block, then the new one. */
export function withPeers(text: string, block: string): string {
  const i = text.indexOf(PEERS_MARKER);
  const base = i >= 0 ? text.slice(0, i) : text;
  return base + block;
}

/** Rewrites the peers block of an existing hosts file in place; a missing file is skipped. */
export async function rewritePeers(file: string, block: string): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return;
  }
  const next = withPeers(text, block);
  if (next !== text) await fs.writeFile(file, next);
}

/** `name[:alias]` → [name, alias] (alias defaults to the name), leading slashes dropped. */
export function parseLink(link: string): [string, string] {
  const [name = '', alias] = link.split(':');
  const n = name.replace(/^\//, '');
  const a = (alias ?? n).replace(/^.*\//, '');
  return [n, a || n];
}

/** Docker's hosts line for a link: `ip alias id name`. */
export function linkHostsLine(alias: string, target: ContainerRecord, ip: string): string {
  const names = [alias, target.id.slice(0, 12), target.name].filter((n, i, a) => a.indexOf(n) === i);
  return `${ip}\t${names.join(' ')}\n`;
}

/** moby daemon/links: ALIAS_NAME, ALIAS_PORT*, ALIAS_ENV_* for one link. */
export function linkEnv(linkerName: string, alias: string, target: ContainerRecord, ip: string): string[] {
  const A = alias.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const env: string[] = [];
  const ports = Object.keys(target.config.exposedPorts ?? {}).map((k) => {
    const [port = '', proto = 'tcp'] = k.split('/');
    return { port: Number(port), proto };
  }).filter((p) => Number.isInteger(p.port)).sort((a, b) => a.port - b.port || a.proto.localeCompare(b.proto));
  if (ports[0]) env.push(`${A}_PORT=${ports[0].proto}://${ip}:${ports[0].port}`);
  for (const p of ports) {
    const pre = `${A}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${pre}=${p.proto}://${ip}:${p.port}`, `${pre}_ADDR=${ip}`, `${pre}_PORT=${p.port}`, `${pre}_PROTO=${p.proto}`);
  }
  env.push(`${A}_NAME=/${linkerName}/${alias}`);
  for (const e of target.config.env ?? []) {
    const i = e.indexOf('=');
    if (i <= 0) continue;
    const k = e.slice(0, i);
    if (k === 'HOME' || k === 'PATH') continue;
    env.push(`${A}_ENV_${k}=${e.slice(i + 1)}`);
  }
  return env;
}
