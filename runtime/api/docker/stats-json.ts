/** Engine `StatsSample`s → Docker's stats JSON (what `docker stats` computes percentages from). */
import type { Container, InterfaceCounters, StatsSample } from '../../containers/types.js';
import { ZERO_TIME } from './time.js';
import type { ContainerNetworkStats, ContainerStatsResponse, CPUStats } from './types.js';

/** One stats object; `prev` (the sample a second earlier) fills `precpu_stats`. */
export function statsJson(c: Container, cur: StatsSample, prev: StatsSample | null): ContainerStatsResponse {
  return {
    name: `/${c.record.name}`,
    id: c.record.id,
    read: cur.read,
    preread: prev?.read ?? ZERO_TIME,
    pids_stats: { current: cur.pids, ...(cur.pidsLimit > 0 ? { limit: cur.pidsLimit } : {}) },
    blkio_stats: { io_service_bytes_recursive: null, io_serviced_recursive: null },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuJson(cur),
    precpu_stats: prev ? cpuJson(prev) : { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: {} },
    memory_stats: { usage: cur.memoryUsage, limit: cur.memoryLimit, stats: {} },
    ...(cur.networks ? { networks: networksJson(cur.networks) } : {}), // issue 16
  };
}

/** Docker's per-interface counters (omitted, as dockerd omits them, for a container without interfaces). */
function networksJson(nets: Record<string, InterfaceCounters>): Record<string, ContainerNetworkStats> {
  return Object.fromEntries(Object.entries(nets).map(([name, n]) => [name, {
    rx_bytes: n.rxBytes, rx_packets: n.rxPackets, rx_errors: n.rxErrors, rx_dropped: n.rxDropped,
    tx_bytes: n.txBytes, tx_packets: n.txPackets, tx_errors: n.txErrors, tx_dropped: n.txDropped,
  }]));
}

function cpuJson(s: StatsSample): CPUStats {
  return {
    cpu_usage: { total_usage: s.cpuTotalNs, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s.systemCpuNs,
    online_cpus: s.onlineCpus,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}
