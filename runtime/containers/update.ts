/**
 * `update` (issue 16, Docker's `docker update`): new cgroup limits and a new
 * restart policy for a container, merged into its options as moby's
 * `UpdateContainer` merges them, stored (so inspect and every later start
 * see them) and, while it runs or is paused, written to its cgroup through
 * the OCI runtime's `update`. When the runtime (the kernel) refuses, the
 * old options are put back and nothing changed.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { conflict, isKind } from '../../lib/errors.js';
import type { ContainerContext } from './context.js';
import { cgroupPathOf, emitContainerEvent, pathsOf, runtimeOf } from './context.js';
import { liftPidsLimit } from './cgroups.js';
import { checkLimits, ociLimits, readLimitHost } from './limits.js';
import { updateProcess } from './oci-runtime.js';
import { checkHostBounds, hostCapacity } from './resources.js';
import { cancelRestart } from './restart.js';
import type { Container, ContainerUpdate, CreateOptions } from './types.js';

/** Apply `u` to the container; `Invalid` for values Docker refuses, `Conflict` for what clashes with its settings or what the kernel refuses. */
export async function updateContainer(ctx: ContainerContext, c: Container, u: ContainerUpdate): Promise<void> {
  const host = await readLimitHost(ctx.host.cgroups);
  checkLimits(u, host, true);
  checkHostBounds(u, hostCapacity());
  const id = c.record.id;
  await ctx.locks.run(id, async () => {
    if (c.state.status === 'removing' || c.state.status === 'dead') throw cannotUpdate(id, 'container is marked for removal and cannot be "update"');
    const before = c.record.options;
    const options = mergeUpdate(id, before, u);
    checkLimits(options, host, true);
    checkHostBounds(options, hostCapacity());
    await ctx.store.saveOptions(id, options);
    if (u.restartPolicy?.name === 'no') cancelRestart(ctx, id);
    if (c.state.status !== 'running' && c.state.status !== 'paused') return;
    try {
      await applyLimits(ctx, c, options, u.pidsLimit !== undefined);
    } catch (err) {
      await ctx.store.saveOptions(id, before);
      if (isKind(err, 'Conflict')) throw cannotUpdate(id, (err as Error).message, err);
      throw err;
    }
  });
  emitContainerEvent(ctx, c, 'update');
}

/** Write the container's limits to its cgroup (a running or paused container). */
async function applyLimits(ctx: ContainerContext, c: Container, options: CreateOptions, pidsChanged: boolean): Promise<void> {
  const rt = runtimeOf(ctx, c);
  const file = path.join(pathsOf(ctx, c.record.id).run, 'update-resources.json');
  // runc reads -1 as "no limit"; crun cannot lift a limit at all (liftPidsLimit does it after).
  const lift = pidsChanged && !((options.pidsLimit ?? 0) > 0);
  await fsp.writeFile(file, JSON.stringify(ociLimits(options, { unsetPids: lift && rt.name === 'runc' ? -1 : undefined })));
  try {
    await updateProcess(rt, c.record.id, file);
    if (lift && rt.name === 'crun') await liftPidsLimit(cgroupPathOf(ctx, c.record.id), ctx.host.cgroups);
  } finally {
    await fsp.rm(file, { force: true });
  }
}

/** Options a non-zero value of the update replaces as it is. */
const REPLACED = ['memoryReservation', 'nanoCpus', 'cpuQuota', 'cpuPeriod', 'cpuShares', 'cpusetCpus', 'cpusetMems', 'blkioWeight'] as const;

/** moby's UpdateContainer: a given value replaces the old one, after its conflict checks. */
export function mergeUpdate(id: string, o: CreateOptions, u: ContainerUpdate): CreateOptions {
  checkCpuConflicts(id, o, u);
  const given = Object.fromEntries(REPLACED.filter((k) => u[k]).map((k) => [k, u[k]]));
  const next: CreateOptions = { ...o, ...given };
  if (u.memory) {
    // An explicit swap limit below the new memory limit must change with it (Docker's rule); an unset one follows the limit.
    const swap = o.memorySwap ?? 0;
    if (swap > 0 && u.memory > swap && !u.memorySwap) {
      throw cannotUpdate(id, 'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    next.memory = u.memory;
  }
  if (u.memorySwap) next.memorySwap = u.memorySwap;
  if (u.pidsLimit !== undefined) next.pidsLimit = u.pidsLimit > 0 ? u.pidsLimit : undefined;
  if (u.restartPolicy) {
    if (o.autoRemove && u.restartPolicy.name !== 'no') throw cannotUpdate(id, 'Restart policy cannot be updated because AutoRemove is enabled for the container');
    next.restartPolicy = u.restartPolicy;
  }
  return next;
}

/** `--cpus` and `--cpu-quota`/`--cpu-period` exclude each other across updates too. */
function checkCpuConflicts(id: string, o: CreateOptions, u: ContainerUpdate): void {
  const clash = (msg: string) => cannotUpdate(id, `Conflicting options: ${msg}`);
  if ((u.nanoCpus ?? 0) > 0 && (o.cpuPeriod ?? 0) > 0) throw clash('Nano CPUs cannot be updated as CPU Period has already been set');
  if ((u.nanoCpus ?? 0) > 0 && (o.cpuQuota ?? 0) > 0) throw clash('Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((u.cpuPeriod ?? 0) > 0 && (o.nanoCpus ?? 0) > 0) throw clash('CPU Period cannot be updated as NanoCPUs has already been set');
  if ((u.cpuQuota ?? 0) > 0 && (o.nanoCpus ?? 0) > 0) throw clash('CPU Quota cannot be updated as NanoCPUs has already been set');
}

function cannotUpdate(id: string, why: string, cause?: unknown): Error {
  return conflict(`Cannot update container ${id}: ${why}`, cause);
}
