/**
 * @module docker-api/mappers/stats-json
 * ContainerStats → moby's ContainerStatsResponse (api/swagger.yaml, cgroup v1 shape). Fields the
 * engine does not measure are sent as moby sends them on Linux: `num_procs` 0, `storage_stats` {}.
 */
import type { ContainerStats, CpuReading } from '@berth/runtime';

function cpuJson(c: CpuReading): Record<string, unknown> {
  return {
    cpu_usage: {
      total_usage: c.totalUsage,
      // moby omits percpu_usage when empty (omitempty).
      ...(c.percpuUsage.length ? { percpu_usage: c.percpuUsage } : {}),
      usage_in_kernelmode: c.usageInKernelmode,
      usage_in_usermode: c.usageInUsermode,
    },
    ...(c.systemCpuUsage ? { system_cpu_usage: c.systemCpuUsage } : {}),
    ...(c.onlineCpus ? { online_cpus: c.onlineCpus } : {}),
    throttling_data: {
      periods: c.throttling.periods, throttled_periods: c.throttling.throttledPeriods, throttled_time: c.throttling.throttledTime,
    },
  };
}

export function statsJson(s: ContainerStats): Record<string, unknown> {
  const networks: Record<string, unknown> = {};
  for (const [name, n] of Object.entries(s.networks)) {
    networks[name] = {
      rx_bytes: n.rxBytes, rx_packets: n.rxPackets, rx_errors: n.rxErrors, rx_dropped: n.rxDropped,
      tx_bytes: n.txBytes, tx_packets: n.txPackets, tx_errors: n.txErrors, tx_dropped: n.txDropped,
    };
  }
  const live = s.read !== '0001-01-01T00:00:00Z';
  return {
    name: `/${s.name}`,
    id: s.id,
    read: s.read,
    preread: s.preread,
    pids_stats: s.pids.limit === undefined ? { current: s.pids.current } : { current: s.pids.current, limit: s.pids.limit },
    blkio_stats: {
      io_service_bytes_recursive: live ? s.blkio.ioServiceBytesRecursive.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value })) : null,
      io_serviced_recursive: null, io_queue_recursive: null, io_service_time_recursive: null, io_wait_time_recursive: null,
      io_merged_recursive: null, io_time_recursive: null, sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuJson(s.cpu),
    precpu_stats: cpuJson(s.precpu),
    memory_stats: live
      ? { usage: s.memory.usage, ...(s.memory.maxUsage === undefined ? {} : { max_usage: s.memory.maxUsage }), stats: s.memory.stats, limit: s.memory.limit }
      : {},
    ...(Object.keys(networks).length ? { networks } : {}),
  };
}
