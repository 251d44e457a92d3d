import { describe, expect, it } from 'vitest';
import { parseBlkio, parseFlatKeyed, parseNetDev, parsePercpu, parseProcStat } from './container-stats.js';

describe('container-stats parsers', () => {
  it('parses key/value cgroup files (memory.stat, cpu.stat)', () => {
    const mem = parseFlatKeyed('cache 10465280\nrss 3710976\ntotal_inactive_file 73728\nhierarchical_memory_limit 9223372036854771712\n');
    expect(mem.cache).toBe(10465280);
    expect(mem.rss).toBe(3710976);
    expect(mem.total_inactive_file).toBe(73728);
    const cpu = parseFlatKeyed('nr_periods 12\nnr_throttled 3\nthrottled_time 4500\n');
    expect(cpu).toEqual({ nr_periods: 12, nr_throttled: 3, throttled_time: 4500 });
  });

  it('parses cpuacct.usage_percpu', () => {
    expect(parsePercpu('37834561 15339456 \n')).toEqual([37834561, 15339456]);
    expect(parsePercpu('')).toEqual([]);
  });

  it('sums the /proc/stat cpu line in ns and counts online cpus', () => {
    const text = [
      'cpu  100 2 30 4000 5 6 7 8 9 10',
      'cpu0 50 1 15 2000 2 3 3 4 0 0',
      'cpu1 50 1 15 2000 3 3 4 4 0 0',
      'intr 123 4 5',
      'ctxt 999',
    ].join('\n');
    const r = parseProcStat(text);
    // user+nice+system+idle+iowait+irq+softirq = 4150 ticks, ×1e7 ns per tick.
    expect(r.systemCpuUsage).toBe(4150 * 1e7);
    expect(r.onlineCpus).toBe(2);
  });

  it('parses blkio.throttle.io_service_bytes_recursive and drops Total', () => {
    const text = '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Total 12288\nTotal 12288\n';
    expect(parseBlkio(text)).toEqual([
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 8192 },
      { major: 8, minor: 0, op: 'Sync', value: 0 },
      { major: 8, minor: 0, op: 'Async', value: 12288 },
      { major: 8, minor: 0, op: 'Total', value: 12288 },
    ]);
    expect(parseBlkio('Total 0\n')).toEqual([]);
  });

  it('parses /proc/<pid>/net/dev and skips loopback', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0',
      '  eth0:    1042      11    1    2    0     0          0         0      300       3    4    5    0     0       0          0',
    ].join('\n');
    expect(parseNetDev(text)).toEqual({
      eth0: { rxBytes: 1042, rxPackets: 11, rxErrors: 1, rxDropped: 2, txBytes: 300, txPackets: 3, txErrors: 4, txDropped: 5 },
    });
  });
});
