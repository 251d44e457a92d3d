import { describe, expect, it } from 'vitest';
import type { ContainerStats, CpuReading } from '@berth/runtime';
import { statsJson } from './stats-json.js';

const cpu = (n: number): CpuReading => ({
  totalUsage: n, percpuUsage: [n], usageInKernelmode: 1, usageInUsermode: 2, systemCpuUsage: n * 10, onlineCpus: 2,
  throttling: { periods: 3, throttledPeriods: 4, throttledTime: 5 },
});

describe('statsJson', () => {
  it('maps a sample to moby field names', () => {
    const s: ContainerStats = {
      id: 'abc', name: 'web', read: '2026-01-01T00:00:01.000Z', preread: '2026-01-01T00:00:00.000Z',
      pids: { current: 2, limit: 100 }, blkio: { ioServiceBytesRecursive: [{ major: 8, minor: 0, op: 'Read', value: 7 }] },
      cpu: cpu(200), precpu: cpu(100), memory: { usage: 4096, maxUsage: 8192, limit: 1024 ** 3, stats: { cache: 1 } },
      networks: { eth0: { rxBytes: 1, rxPackets: 2, rxErrors: 0, rxDropped: 0, txBytes: 3, txPackets: 4, txErrors: 0, txDropped: 0 } },
    };
    const j = statsJson(s) as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any;
    expect(j.name).toBe('/web');
    expect(j.pids_stats).toEqual({ current: 2, limit: 100 });
    expect(j.blkio_stats.io_service_bytes_recursive).toEqual([{ major: 8, minor: 0, op: 'Read', value: 7 }]);
    expect(j.cpu_stats).toEqual({
      cpu_usage: { total_usage: 200, percpu_usage: [200], usage_in_kernelmode: 1, usage_in_usermode: 2 },
      system_cpu_usage: 2000, online_cpus: 2, throttling_data: { periods: 3, throttled_periods: 4, throttled_time: 5 },
    });
    expect(j.precpu_stats.cpu_usage.total_usage).toBe(100);
    expect(j.memory_stats).toEqual({ usage: 4096, max_usage: 8192, stats: { cache: 1 }, limit: 1024 ** 3 });
    expect(j.networks.eth0).toEqual({ rx_bytes: 1, rx_packets: 2, rx_errors: 0, rx_dropped: 0, tx_bytes: 3, tx_packets: 4, tx_errors: 0, tx_dropped: 0 });
    expect(j.num_procs).toBe(0);
    expect(j.storage_stats).toEqual({});
  });
});
