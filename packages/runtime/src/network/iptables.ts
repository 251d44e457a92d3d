/**
 * @module network/iptables
 * The bridge's firewall rules, kept in chains the engine owns so they can be rewritten and removed
 * without touching anyone else's rules.
 *
 * Per bridge `<br>` there are two chains, `BERTH-<br>-NAT` (nat, jumped from POSTROUTING) and
 * `BERTH-<br>-FWD` (filter, jumped from FORWARD). Every rule, including the two jumps, carries
 * `-m comment --comment berth:<br>` so leftovers are recognisable in `iptables-save`. `install`
 * rewrites the chains in one `iptables-restore --noflush` (declaring a chain there flushes it, so
 * re-running is idempotent) and adds a jump only after `iptables -C` found it missing.
 */
import { run } from '../util/exec-file.js';

export interface FirewallNames {
  bridge: string;
  nat: string;
  fwd: string;
  comment: string;
}

/** iptables limits chain names to 28 characters; bridge names are at most 15. */
export function firewallNames(bridge: string): FirewallNames {
  return { bridge, nat: `BERTH-${bridge}-NAT`, fwd: `BERTH-${bridge}-FWD`, comment: `berth:${bridge}` };
}

function jumps(n: FirewallNames): { table: 'nat' | 'filter'; rule: string[] }[] {
  const tag = ['-m', 'comment', '--comment', n.comment];
  return [
    { table: 'nat', rule: ['POSTROUTING', ...tag, '-j', n.nat] },
    { table: 'filter', rule: ['FORWARD', ...tag, '-j', n.fwd] },
  ];
}

/** The iptables-restore input that (re)defines both chains; exported for unit tests. */
export function chainRules(n: FirewallNames, subnetCidr: string): string {
  const tag = `-m comment --comment ${n.comment}`;
  const br = n.bridge;
  return [
    '*nat',
    `:${n.nat} - [0:0]`,
    // Egress: hide container addresses behind the host's, except for traffic staying on the bridge.
    `-A ${n.nat} -s ${subnetCidr} ! -o ${br} ${tag} -j MASQUERADE`,
    // Published ports reached via 127.0.0.1 (needs route_localnet on the bridge): the container
    // cannot answer a loopback source, so it sees the gateway instead.
    `-A ${n.nat} -s 127.0.0.0/8 -o ${br} ${tag} -j MASQUERADE`,
    // A container reaching a published port (its own, via hairpin, or a neighbour's) through a host
    // address: without this the reply would go straight back over the bridge, bypassing the DNAT.
    `-A ${n.nat} -s ${subnetCidr} -o ${br} -m conntrack --ctstate DNAT ${tag} -j MASQUERADE`,
    'COMMIT',
    '*filter',
    `:${n.fwd} - [0:0]`,
    // Explicit accepts because Docker may have set the FORWARD policy to DROP, and with
    // bridge-nf-call-iptables=1 even container-to-container frames traverse FORWARD.
    `-A ${n.fwd} -i ${br} -o ${br} ${tag} -j ACCEPT`,
    `-A ${n.fwd} -i ${br} ! -o ${br} ${tag} -j ACCEPT`,
    `-A ${n.fwd} -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`,
    // Published ports (DNAT, added elsewhere) are the only new inbound connections allowed.
    `-A ${n.fwd} -o ${br} -m conntrack --ctstate DNAT ${tag} -j ACCEPT`,
    // Whatever the FORWARD policy, hosts that route to the subnet must not reach unpublished ports.
    `-A ${n.fwd} -o ${br} ${tag} -j DROP`,
    'COMMIT',
    '',
  ].join('\n');
}

async function jumpExists(table: string, rule: readonly string[]): Promise<boolean> {
  // 1 = no such rule, 2 = e.g. target chain missing: both mean "not there".
  const r = await run('iptables', ['-w', '-t', table, '-C', ...rule], { okCodes: [1, 2] });
  return r.code === 0;
}

/** Appends `rule` to `table` unless an identical rule is already there. */
export async function ensureRule(table: string, rule: readonly string[]): Promise<void> {
  if (!(await jumpExists(table, rule))) await run('iptables', ['-w', '-t', table, '-A', ...rule]);
}

/** Deletes every copy of `rule` from `table`; absent is fine. */
export async function deleteRule(table: string, rule: readonly string[]): Promise<void> {
  for (let i = 0; i < 100 && (await jumpExists(table, rule)); i++) await run('iptables', ['-w', '-t', table, '-D', ...rule]);
}

/** Flushes and deletes a chain; absent is fine. */
export async function deleteChain(table: string, chain: string): Promise<void> {
  // -F/-X fail with 1 when the chain does not exist.
  await run('iptables', ['-w', '-t', table, '-F', chain], { okCodes: [1] });
  await run('iptables', ['-w', '-t', table, '-X', chain], { okCodes: [1] });
}

export async function installFirewall(n: FirewallNames, subnetCidr: string): Promise<void> {
  await run('iptables-restore', ['-w', '--noflush'], { input: chainRules(n, subnetCidr) });
  for (const j of jumps(n)) {
    if (!(await jumpExists(j.table, j.rule))) await run('iptables', ['-w', '-t', j.table, '-A', ...j.rule]);
  }
}

/** Removes jumps (all duplicates) and both chains; absent pieces are fine. */
export async function removeFirewall(n: FirewallNames): Promise<void> {
  for (const j of jumps(n)) {
    for (let i = 0; i < 100 && (await jumpExists(j.table, j.rule)); i++) {
      await run('iptables', ['-w', '-t', j.table, '-D', ...j.rule]);
    }
  }
  for (const [table, chain] of [['nat', n.nat], ['filter', n.fwd]] as const) {
    // -F/-X fail with 1 when the chain does not exist.
    await run('iptables', ['-w', '-t', table, '-F', chain], { okCodes: [1] });
    await run('iptables', ['-w', '-t', table, '-X', chain], { okCodes: [1] });
  }
}
