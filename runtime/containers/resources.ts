/**
 * CPU weight and the host's bounds on a container's resources (issue 13,
 * part 4: cpu/memory caps).
 *
 * - CPU weight: Docker's `--cpu-shares` (cgroup v1 `cpu.shares`). The spec
 *   carries the v1 value; on cgroup v2 the runtime converts it to
 *   `cpu.weight` as runc and crun do (`1 + (shares - 2) * 9999 / 262142`).
 *   0 = not set: the kernel's default, 1024 on v1 (weight 100 on v2), as
 *   Docker leaves it. The kernel's range is 2..262144; values outside it are
 *   clamped to it as the v1 kernel does, negative ones refused.
 * - Host bounds, stricter than Docker: a memory limit above the host's
 *   memory is refused (Docker takes it and the limit means nothing), and
 *   so is a CPU quota above the host's CPUs (Docker refuses `--cpus`
 *   beyond them too, with the same message).
 */
import os from 'node:os';
import { formatBytes } from '../../lib/bytes.js';
import { invalid } from '../../lib/errors.js';
import type { CreateOptions } from './types.js';

/** The kernel's bounds of cpu.shares (v1). */
export const MIN_CPU_SHARES = 2;
export const MAX_CPU_SHARES = 262144;

/** What the host has, against which a container's limits are checked. */
export interface HostCapacity {
  memoryBytes: number;
  cpus: number;
}

/** This host's memory (MemTotal) and CPU count. */
export function hostCapacity(): HostCapacity {
  return { memoryBytes: os.totalmem(), cpus: os.availableParallelism() };
}

/** `cpu.shares` for the spec: undefined when unset (0), else clamped to the kernel's range; Invalid when negative. */
export function cpuShares(options: Pick<CreateOptions, 'cpuShares'>): number | undefined {
  const s = options.cpuShares ?? 0;
  if (!Number.isInteger(s) || s < 0) throw invalid(`invalid CPU shares (${s}): value must be a positive integer`);
  if (s === 0) return undefined;
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, s));
}

/** Invalid when the memory limit or the CPU quota asks for more than `host` has. */
export function checkHostBounds(options: Pick<CreateOptions, 'memory' | 'nanoCpus' | 'cpuShares' | 'cpuQuota' | 'cpuPeriod'>, host: HostCapacity): void {
  cpuShares(options);
  const memory = options.memory ?? 0;
  if (memory > host.memoryBytes) {
    throw invalid(`memory limit ${formatBytes(memory)} is larger than this host's memory (${formatBytes(host.memoryBytes)})`);
  }
  // issue 16: a CFS quota is CPUs too (quota / period), bounded as --cpus is.
  const quotaCpus = (options.cpuQuota ?? 0) > 0 ? (options.cpuQuota! * 1e9) / (options.cpuPeriod || 100_000) : 0;
  if (Math.max(options.nanoCpus ?? 0, quotaCpus) > host.cpus * 1e9) {
    throw invalid(`range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
}
