/**
 * @module network/user-bridge
 * Host plumbing of user-defined networks: one Linux bridge per network (`br-<id[0:12]>`, Docker's
 * naming), its firewall chains (iptables.ts, the same layout as the default bridge; `internal`
 * networks get no MASQUERADE and drop everything that leaves or enters the bridge from elsewhere),
 * the isolation chains between all of this daemon's bridges, and the veth of one endpoint.
 *
 * Isolation mirrors dockerd's DOCKER-ISOLATION-STAGE-1/2 in chains named after the daemon's
 * default bridge (`BERTH-<br>-ISO1/ISO2`): stage 1 sends traffic that enters bridge X and leaves
 * through another interface to stage 2, which drops it if that interface is another of our
 * bridges. The FORWARD jump is inserted first so it runs before the per-bridge ACCEPT chains.
 * Both chains are rewritten as a whole (one `iptables-restore --noflush`) whenever a network comes
 * or goes.
 *
 * Endpoint veths: host side `vu<sha256(container:network)[0:11]>`, the peer born inside the
 * container's netns as `ethN`. Only the first endpoint of a container gets the default route.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { run } from '../util/exec-file.js';
import { macForIp, type Subnet } from './ipam.js';
import { deleteChain, deleteRule, ensureRule, firewallNames, installFirewall, removeFirewall } from './iptables.js';

export function userBridgeName(networkId: string): string {
  return `br-${networkId.slice(0, 12)}`;
}

export function endpointVethName(containerId: string, networkId: string): string {
  return `vu${createHash('sha256').update(`${containerId}:${networkId}`).digest('hex').slice(0, 11)}`;
}

/** Creates (or re-asserts) the bridge, its address and its firewall. Idempotent. */
export async function ensureUserBridge(br: string, subnet: Subnet, internal: boolean): Promise<void> {
  const present = (await netdevs()).has(br);
  const lines = present ? [] : [`link add ${br} address ${macForIp(subnet.gateway)} type bridge`];
  lines.push(`addr replace ${subnet.gateway}/${subnet.prefixLen} dev ${br}`, `link set ${br} up`);
  await run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
  for (const [k, v] of [['ipv6/conf', 'accept_ra'], ['ipv4/conf', 'route_localnet']] as const) {
    await fs.writeFile(`/proc/sys/net/${k}/${br}/${v}`, v === 'accept_ra' ? '0' : '1').catch(() => undefined);
  }
  const fw = firewallNames(br);
  if (!internal) {
    await installFirewall(fw, subnet.cidr);
    return;
  }
  const tag = `-m comment --comment ${fw.comment}`;
  await run('iptables-restore', ['-w', '--noflush'], {
    input: [
      '*nat', `:${fw.nat} - [0:0]`, 'COMMIT',
      '*filter', `:${fw.fwd} - [0:0]`,
      `-A ${fw.fwd} -i ${br} -o ${br} ${tag} -j ACCEPT`,
      `-A ${fw.fwd} -i ${br} ${tag} -j DROP`,
      `-A ${fw.fwd} -o ${br} ${tag} -j DROP`,
      'COMMIT', '',
    ].join('\n'),
  });
  const t = ['-m', 'comment', '--comment', fw.comment];
  await ensureRule('nat', ['POSTROUTING', ...t, '-j', fw.nat]);
  await ensureRule('filter', ['FORWARD', ...t, '-j', fw.fwd]);
}

/** Removes the bridge (its remaining ports go with it) and its firewall. Absent parts are fine. */
export async function removeUserBridge(br: string): Promise<void> {
  await removeFirewall(firewallNames(br));
  if ((await netdevs()).has(br)) await run('ip', ['link', 'del', br]);
}

export interface IsolationNames { iso1: string; iso2: string; comment: string }

export function isolationNames(defaultBridge: string): IsolationNames {
  return { iso1: `BERTH-${defaultBridge}-ISO1`, iso2: `BERTH-${defaultBridge}-ISO2`, comment: `berth:${defaultBridge}:iso` };
}

export function isolationRules(n: IsolationNames, bridges: readonly string[]): string {
  const tag = `-m comment --comment ${n.comment}`;
  return [
    '*filter', `:${n.iso1} - [0:0]`, `:${n.iso2} - [0:0]`,
    ...bridges.map((b) => `-A ${n.iso1} -i ${b} ! -o ${b} ${tag} -j ${n.iso2}`),
    ...bridges.map((b) => `-A ${n.iso2} -o ${b} ${tag} -j DROP`),
    'COMMIT', '',
  ].join('\n');
}

/** Rewrites both isolation chains for `bridges` and makes sure FORWARD jumps to stage 1 first. */
export async function installIsolation(n: IsolationNames, bridges: readonly string[]): Promise<void> {
  await run('iptables-restore', ['-w', '--noflush'], { input: isolationRules(n, bridges) });
  const jump = ['FORWARD', '-m', 'comment', '--comment', n.comment, '-j', n.iso1];
  const r = await run('iptables', ['-w', '-C', ...jump], { okCodes: [1, 2] });
  if (r.code !== 0) await run('iptables', ['-w', '-I', ...jump.slice(0, 1), '1', ...jump.slice(1)]);
}

export async function removeIsolation(n: IsolationNames): Promise<void> {
  await deleteRule('filter', ['FORWARD', '-m', 'comment', '--comment', n.comment, '-j', n.iso1]);
  await deleteChain('filter', n.iso1);
  await deleteChain('filter', n.iso2);
}

export interface EndpointPlumbing {
  netns: string;
  hostVeth: string;
  ifName: string;
  bridge: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  defaultRoute: boolean;
}

/** Two spawns, as for the default bridge: host side, then inside the netns. */
export async function addEndpointLink(p: EndpointPlumbing): Promise<void> {
  try {
    await run('ip', ['-batch', '-'], {
      input: [
        `link add ${p.hostVeth} type veth peer name ${p.ifName} address ${p.mac} netns ${p.netns}`,
        `link set ${p.hostVeth} master ${p.bridge} up`,
        `link set dev ${p.hostVeth} type bridge_slave hairpin on`,
        '',
      ].join('\n'),
    });
    const v6 = `/proc/sys/net/ipv6/conf/${p.ifName}/disable_ipv6`;
    await run('ip', ['netns', 'exec', p.netns, '/bin/sh', '-c', `[ ! -e ${v6} ] || echo 1 > ${v6}; exec ip -batch -`], {
      input: [
        'link set lo up',
        `addr add ${p.ip}/${p.prefixLen} dev ${p.ifName}`,
        `link set ${p.ifName} up`,
        ...(p.defaultRoute ? [`route replace default via ${p.gateway}`] : []),
        '',
      ].join('\n'),
    });
  } catch (err) {
    await removeEndpointLink(p.hostVeth).catch(() => undefined);
    throw err;
  }
}

/** Deleting the host side takes the peer inside the container with it. */
export async function removeEndpointLink(hostVeth: string): Promise<void> {
  if ((await netdevs()).has(hostVeth)) await run('ip', ['link', 'del', hostVeth], { okCodes: [1] });
}

/** Interfaces of the daemon's own netns (see bridge-network-manager.ts for why not sysfs). */
export async function netdevs(): Promise<Set<string>> {
  const text = await fs.readFile('/proc/self/net/dev', 'utf8');
  return new Set(text.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean));
}

/** Host-side `vu…` veths and the bridge each is enslaved to. */
export async function userVeths(): Promise<Map<string, string | undefined>> {
  const out = (await run('ip', ['-o', 'link', 'show'])).stdout;
  const links = new Map<string, string | undefined>();
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(vu[0-9a-f]{11})[@:]/.exec(line);
    if (m) links.set(m[1]!, / master (\S+)/.exec(line)?.[1]);
  }
  return links;
}
