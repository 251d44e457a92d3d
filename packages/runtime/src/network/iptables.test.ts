import { describe, expect, it } from 'vitest';
import { chainRules, firewallNames } from './iptables.js';

describe('firewall rules', () => {
  it('keeps chain names within the iptables limit for the longest bridge name', () => {
    const n = firewallNames('abcdefghijklmno');
    expect(n.nat.length).toBeLessThanOrEqual(28);
    expect(n.fwd.length).toBeLessThanOrEqual(28);
  });

  it('tags every rule and masquerades only traffic leaving the bridge', () => {
    const text = chainRules(firewallNames('berth0'), '10.231.0.0/24');
    const rules = text.split('\n').filter((l) => l.startsWith('-A'));
    expect(rules.length).toBeGreaterThan(3);
    for (const r of rules) expect(r).toContain('--comment berth:berth0');
    expect(text).toContain('-A BERTH-berth0-NAT -s 10.231.0.0/24 ! -o berth0');
    expect(text).toMatch(/^:BERTH-berth0-FWD - \[0:0\]$/m);
    // The final DROP must come after every ACCEPT.
    const fwd = rules.filter((r) => r.startsWith('-A BERTH-berth0-FWD'));
    expect(fwd.at(-1)).toMatch(/-j DROP$/);
  });
});
