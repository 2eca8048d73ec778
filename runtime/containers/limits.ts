/**
 * A container's cgroup limits (issue 16, `docker update`): Docker's resource
 * options → the OCI spec's `linux.resources` (minus devices), and Docker's
 * checks of them (moby's verifyPlatformContainerResources), shared by create,
 * start and update.
 *
 * - Memory: `memory` is the hard limit; `memorySwap` is memory + swap as
 *   Docker counts it (-1 = unlimited swap). Unset, swap equals the limit (no
 *   escape into swap: stricter than Docker's 2× the limit); on update the
 *   swap then follows the limit. `memoryReservation` is the soft limit,
 *   `memorySwappiness` (0..100) and `oomKillDisable` exist on cgroup v1
 *   only: on v2 the kernel has neither, and both are refused.
 * - CPU: `nanoCpus` (`--cpus`) or `cpuQuota`/`cpuPeriod` (µs), never both;
 *   `cpusetCpus`/`cpusetMems` ("0-2,4") must name CPUs and memory nodes that
 *   are online; `cpuShares` is resources.ts's.
 * - `blkioWeight` (10..1000) needs a kernel with an I/O weight (BFQ/CFQ);
 *   without one it is refused (Docker drops it with a warning).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { invalid } from '../../lib/errors.js';
import type { CgroupLayout } from './cgroups.js';
import { cpuShares } from './resources.js';
import type { CreateOptions } from './types.js';

/** Docker's default CFS period (µs). */
export const CPU_PERIOD = 100_000;
/** Docker's smallest memory limit and reservation. */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** The options this file reads. */
export type LimitOptions = Pick<CreateOptions,
  'memory' | 'memorySwap' | 'memoryReservation' | 'memorySwappiness' | 'oomKillDisable' | 'nanoCpus' | 'cpuQuota' | 'cpuPeriod'
  | 'cpuShares' | 'cpusetCpus' | 'cpusetMems' | 'pidsLimit' | 'blkioWeight'>;

/** The OCI spec's resources other than devices. */
export interface OciLimits {
  memory?: { limit?: number; swap?: number; reservation?: number; swappiness?: number; disableOOMKiller?: boolean };
  cpu?: { quota?: number; period?: number; shares?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
  blockIO?: { weight: number };
}

/**
 * `linux.resources` for these options (no devices). An update that lifts the
 * pids limit must say so: `unsetPids` is the value the runtime reads as "max"
 * (runc: -1; crun 1.8: 0, it writes -1 as given and the kernel refuses it).
 */
export function ociLimits(o: LimitOptions, opts: { unsetPids?: number } = {}): OciLimits {
  const r: OciLimits = {};
  const memory = memoryLimits(o);
  if (memory) r.memory = memory;
  const cpu = cpuLimits(o);
  if (cpu) r.cpu = cpu;
  if ((o.pidsLimit ?? 0) > 0) r.pids = { limit: o.pidsLimit! };
  else if (opts.unsetPids !== undefined) r.pids = { limit: opts.unsetPids };
  if (o.blkioWeight) r.blockIO = { weight: o.blkioWeight };
  return r;
}

function memoryLimits(o: LimitOptions): OciLimits['memory'] {
  const m: NonNullable<OciLimits['memory']> = {};
  const limit = o.memory ?? 0;
  if (limit > 0) {
    m.limit = limit;
    m.swap = o.memorySwap === -1 ? -1 : Math.max(limit, o.memorySwap ?? 0);
  }
  if (o.memoryReservation) m.reservation = o.memoryReservation;
  if (o.memorySwappiness !== undefined && o.memorySwappiness >= 0) m.swappiness = o.memorySwappiness;
  if (o.oomKillDisable) m.disableOOMKiller = true;
  return Object.keys(m).length ? m : undefined;
}

function cpuLimits(o: LimitOptions): OciLimits['cpu'] {
  const c: NonNullable<OciLimits['cpu']> = {};
  if ((o.nanoCpus ?? 0) > 0) {
    c.quota = Math.round((o.nanoCpus! * CPU_PERIOD) / 1e9);
    c.period = CPU_PERIOD;
  } else {
    if ((o.cpuQuota ?? 0) > 0) c.quota = o.cpuQuota;
    if ((o.cpuQuota ?? 0) > 0 || (o.cpuPeriod ?? 0) > 0) c.period = o.cpuPeriod || CPU_PERIOD;
  }
  const shares = cpuShares(o);
  if (shares !== undefined) c.shares = shares;
  if (o.cpusetCpus) c.cpus = o.cpusetCpus;
  if (o.cpusetMems) c.mems = o.cpusetMems;
  return Object.keys(c).length ? c : undefined;
}

/** What the host offers that the checks compare against. */
export interface LimitHost {
  cgroupV2: boolean;
  /** Online CPUs and memory nodes, e.g. "0-3". */
  cpus: string;
  mems: string;
  /** The kernel has an I/O weight (blkio.weight, blkio.bfq.weight, io.weight or io.bfq.weight). */
  blkioWeight: boolean;
}

/** Read what `checkLimits` needs from the host. */
export async function readLimitHost(layout: CgroupLayout): Promise<LimitHost> {
  const read = (f: string) => fsp.readFile(f, 'utf8').then((s) => s.trim(), () => null);
  const v2 = layout.mode === 'v2';
  const ioDir = v2 ? layout.unified! : layout.v1.blkio;
  const weightFiles = v2 ? ['io.weight', 'io.bfq.weight'] : ['blkio.weight', 'blkio.bfq.weight'];
  // A weight file of the parent shows in every child: look at the root's children too (v2 keeps it out of the root).
  const candidates = ioDir ? weightFiles.flatMap((f) => [path.join(ioDir, f), path.join(ioDir, 'tspaas', f)]) : [];
  const found = await Promise.all(candidates.map((f) => fsp.access(f).then(() => true, () => false)));
  return {
    cgroupV2: v2,
    cpus: (await read('/sys/devices/system/cpu/online')) ?? '0',
    mems: (await read('/sys/devices/system/node/online')) ?? '0',
    blkioWeight: found.some(Boolean),
  };
}

/** Docker's checks of the limits, with its messages; `Invalid` for the first that fails. */
export function checkLimits(o: LimitOptions, host: LimitHost, update = false): void {
  checkMemory(o, host, update);
  checkCpu(o, host);
  const w = o.blkioWeight ?? 0;
  if (w !== 0 && (w < 10 || w > 1000)) throw invalid('Range of blkio weight is from 10 to 1000');
  if (w !== 0 && !host.blkioWeight) throw invalid('Your kernel does not support Block I/O weight (no BFQ or CFQ I/O scheduler): --blkio-weight cannot be applied');
}

function checkMemory(o: LimitOptions, host: LimitHost, update: boolean): void {
  const memory = o.memory ?? 0;
  const swap = o.memorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) throw invalid('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) throw invalid('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0 && !update) throw invalid('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap < -1) throw invalid(`invalid memory swap limit ${swap}: use -1 for unlimited swap`);
  const swappiness = o.memorySwappiness ?? -1;
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) throw invalid(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  if (swappiness !== -1 && host.cgroupV2) throw invalid('memory swappiness is not supported on cgroup v2 (the kernel has no per-cgroup swappiness)');
  const reservation = o.memoryReservation ?? 0;
  if (reservation < 0) throw invalid('invalid memory reservation: it cannot be negative');
  if (reservation > 0 && reservation < MIN_MEMORY) throw invalid('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) throw invalid('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (o.oomKillDisable && host.cgroupV2) throw invalid('OomKillDisable is not supported on cgroup v2: the kernel cannot disable the OOM killer of one cgroup');
}

function checkCpu(o: LimitOptions, host: LimitHost): void {
  if ((o.nanoCpus ?? 0) > 0 && (o.cpuPeriod ?? 0) > 0) throw invalid('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if ((o.nanoCpus ?? 0) > 0 && (o.cpuQuota ?? 0) > 0) throw invalid('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  const period = o.cpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) throw invalid('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if ((o.cpuQuota ?? 0) > 0 && o.cpuQuota! < 1000) throw invalid('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  checkCpuset('cpus', o.cpusetCpus, host.cpus, 'CPUs');
  checkCpuset('mems', o.cpusetMems, host.mems, 'memory nodes');
}

function checkCpuset(kind: string, asked: string | undefined, available: string, what: string): void {
  if (!asked) return;
  const want = parseCpuList(asked);
  if (!want) throw invalid(`Invalid value ${asked} for cpuset ${kind}`);
  const have = parseCpuList(available) ?? new Set<number>();
  if ([...want].some((n) => !have.has(n))) throw invalid(`Requested ${what} are not available - requested ${asked}, available: ${available}`);
}

/** "0-2,4" → {0,1,2,4}; null when malformed (as the kernel's list format). */
export function parseCpuList(s: string): Set<number> | null {
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a || b - a > 4096) return null;
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}
