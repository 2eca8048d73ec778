/** `top` and `stats`: read from the container's cgroup and the host's process table. */
import { run } from '../../lib/exec.js';
import { conflict } from '../../lib/errors.js';
import type { ContainerContext } from './context.js';
import { cgroupPathOf } from './context.js';
import { listPids, sampleStats } from './cgroups.js';
import { readNetworkCounters } from './net-stats.js';
import { networkKind } from './network.js';
import type { Container, StatsSample, TopResult } from './types.js';

const isUp = (c: Container) => c.state.status === 'running' || c.state.status === 'paused';

/** `ps` on the host, keeping the rows of the container's processes (as dockerd does). */
export async function topContainer(ctx: ContainerContext, c: Container, psArgs = '-ef'): Promise<TopResult> {
  if (!isUp(c)) throw conflict(`Container ${c.record.id} is not running`);
  const pids = new Set(await listPids(cgroupPathOf(ctx, c.record.id)));
  // Select the container's pids (`-q`), as moby does: without it `ps -o …` lists
  // only processes of the engine's own uid, so none of a container in a user
  // namespace. Some formats (e.g. `f`) refuse `-q`: then plain, as asked.
  const args = psArgs.split(/\s+/).filter(Boolean);
  const quick = pids.size > 0 ? await run('ps', [...args, '-q', [...pids].join(',')], { allowFailure: true }) : null;
  const out = quick?.code === 0 ? quick : await run('ps', args);
  const lines = out.stdout.trimEnd().split('\n');
  const titles = lines[0].trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw conflict(`Couldn't find PID field in ps output`);
  const processes = lines.slice(1).map((l) => splitRow(l, titles.length)).filter((row) => pids.has(Number(row[pidCol])));
  return { titles, processes };
}

/** Split a ps row into `n` columns, the last one keeping its spaces (the command). */
function splitRow(line: string, n: number): string[] {
  const parts = line.trim().split(/\s+/);
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(' ')];
}

/** One stats sample; zeros for a container that is not running (as Docker reports). */
export async function statsContainer(ctx: ContainerContext, c: Container): Promise<StatsSample> {
  if (!isUp(c)) {
    return { read: new Date().toISOString(), cpuTotalNs: 0, systemCpuNs: 0, onlineCpus: 0, memoryUsage: 0, memoryLimit: 0, pids: 0, pidsLimit: 0 };
  }
  const sample = await sampleStats(cgroupPathOf(ctx, c.record.id));
  // issue 16: Docker's `networks`; a host-network container's would be the host's, which Docker does not report either.
  const networks = networkKind(c.record.options) === 'networks' ? await readNetworkCounters(c.state.pid) : undefined;
  return networks ? { ...sample, networks } : sample;
}
