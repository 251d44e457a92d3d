import { describe, expect, it } from 'vitest';
import { parseOpaqueDirs, parseXattrDump } from './upper-scan.js';

describe('parseXattrDump', () => {
  it('reads opaque dirs (text or hex) and capabilities from one getfattr -e hex dump', () => {
    const out = [
      '# file: /u/data', 'trusted.overlay.opaque=0x79', '',
      '# file: /u/bin/ping', 'security.capability=0x0100000200200000000000000000000000000000', '',
      '# file: /u/odd\\012name', 'trusted.overlay.opaque="y"', '',
      '# file: /u/other', 'trusted.overlay.opaque=0x78', '',
    ].join('\n');
    const { opaque, caps } = parseXattrDump(out);
    expect([...opaque]).toEqual(['/u/data', '/u/odd\nname']);
    expect([...caps.keys()]).toEqual(['/u/bin/ping']);
    expect(caps.get('/u/bin/ping')!.toString('hex')).toBe('0100000200200000000000000000000000000000');
    expect([...parseOpaqueDirs(out)]).toEqual(['/u/data', '/u/odd\nname']);
  });
});
