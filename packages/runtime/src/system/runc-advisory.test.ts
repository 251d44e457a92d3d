import { describe, expect, it } from 'vitest';
import { runcWarnings } from './runc-advisory.js';

describe('runc CVE advisory', () => {
  it("warns about the 2025 CVEs on Debian 12's runc, not about CVE-2024-21626 (backported)", () => {
    const w = runcWarnings({ version: '1.1.5+ds1', commit: '1.1.5+ds1-1+deb12u1' });
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/CVE-2025-31133, CVE-2025-52565 and CVE-2025-52881/);
  });
  it('warns about CVE-2024-21626 on an unpatched old runc, and nothing on fixed ones', () => {
    expect(runcWarnings({ version: '1.1.5', commit: 'v1.1.5-0-gf19387a' }).join('\n')).toMatch(/CVE-2024-21626/);
    expect(runcWarnings({ version: '1.2.8', commit: '' })).toEqual([]);
    expect(runcWarnings({ version: '1.3.3', commit: '' })).toEqual([]);
    expect(runcWarnings({ version: '1.3.2', commit: '' })).toHaveLength(1);
    expect(runcWarnings({ version: '1.4.0-rc.3', commit: '' })).toEqual([]);
    expect(runcWarnings({ version: '1.4.0-rc.2', commit: '' })).toHaveLength(1);
  });
});
