/**
 * Docker's resource fields (HostConfig's and the update body's) ⇄ the
 * engine's options (issue 16). The engine checks the values
 * (runtime/containers/limits.ts); this only reads their JSON types.
 */
import { invalid } from '../../../lib/errors.js';
import type { ContainerUpdate, CreateOptions } from '../../containers/types.js';
import type { HostConfig, Resources } from './types.js';

/** Create: the resource options beyond memory, pids and shares (container-create.ts maps those). */
export function resourceOptions(hc: Resources): Partial<CreateOptions> {
  const swappiness = int(hc, 'MemorySwappiness');
  if (hc.OomKillDisable !== undefined && hc.OomKillDisable !== null && typeof hc.OomKillDisable !== 'boolean') {
    throw invalid('invalid OomKillDisable: use true or false');
  }
  return {
    nanoCpus: int(hc, 'NanoCpus') || undefined,
    cpuQuota: int(hc, 'CpuQuota') || undefined,
    cpuPeriod: int(hc, 'CpuPeriod') || undefined,
    memorySwap: int(hc, 'MemorySwap') || undefined,
    memoryReservation: int(hc, 'MemoryReservation') || undefined,
    memorySwappiness: swappiness === undefined || swappiness === -1 ? undefined : swappiness,
    oomKillDisable: hc.OomKillDisable || undefined,
    cpusetCpus: str(hc, 'CpusetCpus') || undefined,
    cpusetMems: str(hc, 'CpusetMems') || undefined,
    blkioWeight: int(hc, 'BlkioWeight') || undefined,
    runtime: str(hc, 'Runtime') || undefined,
  };
}

/** `POST /containers/{id}/update`'s resources: zero means "leave as is", as in Docker; PidsLimit 0 or less means "no limit". */
export function updateResources(body: Resources): ContainerUpdate {
  const u: ContainerUpdate = {
    memory: int(body, 'Memory') || undefined,
    memorySwap: int(body, 'MemorySwap') || undefined,
    memoryReservation: int(body, 'MemoryReservation') || undefined,
    nanoCpus: int(body, 'NanoCpus') || undefined,
    cpuQuota: int(body, 'CpuQuota') || undefined,
    cpuPeriod: int(body, 'CpuPeriod') || undefined,
    cpuShares: int(body, 'CpuShares') || undefined,
    cpusetCpus: str(body, 'CpusetCpus') || undefined,
    cpusetMems: str(body, 'CpusetMems') || undefined,
    pidsLimit: int(body, 'PidsLimit'),
    blkioWeight: int(body, 'BlkioWeight') || undefined,
  };
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)) as ContainerUpdate;
}

/** Inspect's HostConfig resource fields, as Docker shows them. */
export function resourcesJson(o: CreateOptions): Pick<HostConfig, 'MemorySwap' | 'MemoryReservation' | 'MemorySwappiness' | 'OomKillDisable' | 'CpuQuota'
  | 'CpuPeriod' | 'CpusetCpus' | 'CpusetMems' | 'BlkioWeight'> {
  return {
    MemorySwap: o.memorySwap ?? o.memory ?? 0,
    MemoryReservation: o.memoryReservation ?? 0,
    MemorySwappiness: o.memorySwappiness ?? null,
    OomKillDisable: o.oomKillDisable ?? false,
    CpuQuota: o.cpuQuota ?? 0,
    CpuPeriod: o.cpuPeriod ?? 0,
    CpusetCpus: o.cpusetCpus ?? '',
    CpusetMems: o.cpusetMems ?? '',
    BlkioWeight: o.blkioWeight ?? 0,
  };
}

type NumberField = 'Memory' | 'MemorySwap' | 'MemoryReservation' | 'MemorySwappiness' | 'NanoCpus' | 'CpuQuota' | 'CpuPeriod' | 'CpuShares' | 'PidsLimit' | 'BlkioWeight';

/** An integer field; undefined when absent or null; `Invalid` for anything else, as Go's decoder refuses it. */
function int(o: Resources, field: NumberField): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`invalid ${field}: ${JSON.stringify(v)} is not an integer`);
  return v;
}

function str(o: Resources, field: 'CpusetCpus' | 'CpusetMems' | 'Runtime'): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`invalid ${field}: ${JSON.stringify(v)} is not a string`);
  return v;
}
