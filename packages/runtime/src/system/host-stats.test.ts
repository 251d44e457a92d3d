import { describe, expect, it } from 'vitest';
import { createHostStats, parseMeminfo, parseProcStat } from './host-stats.js';

describe('host stats', () => {
  it('parses /proc/stat and /proc/meminfo', () => {
    expect(parseProcStat('cpu  10 0 10 70 10 0 0 0 0 0\ncpu0 1 2 3\n')).toEqual({ busy: 20, total: 100 });
    expect(parseMeminfo('MemTotal:       2048 kB\nMemFree: 1 kB\nMemAvailable:   1024 kB\n')).toEqual({ total: 2048 * 1024, available: 1024 * 1024 });
  });

  it('computes CPU % from two samples', async () => {
    let n = 0;
    const files: Record<string, () => string> = {
      '/p/meminfo': () => 'MemTotal: 100 kB\nMemAvailable: 40 kB\n',
      '/p/loadavg': () => '0.5 0.25 0.1 1/100 42\n',
      '/p/stat': () => { const t = n++; return `cpu  ${t * 30} 0 0 ${t * 70} 0 0 0 0\n`; },
    };
    const host = createHostStats({ proc: '/p', windowMs: 1, read: async (f) => files[f]!() });
    const s = await host();
    expect(s).toMatchObject({ cpuPercent: 30, memTotal: 102400, memUsed: 61440, load: [0.5, 0.25, 0.1] });
  });
});
