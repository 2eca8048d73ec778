/** `container stats`: CPU, memory and pids of containers, streamed (redrawn) or once with --no-stream. */
import type { Command } from 'commander';
import type { ContainerStatsResponse, ContainerSummary } from '../../../runtime/api/docker/types.js';
import { seg, type App, type CliContext } from '../../context.js';
import { humanBytesBinary, shortId, table } from '../../format.js';

export function register(parent: Command, app: App): void {
  parent.command('stats').description('Display resource usage of containers')
    .argument('[containers...]', 'default: all running containers')
    .option('--no-stream', 'print one sample and exit')
    .action(app.action(async (ctx, refs: string[], opts: { stream: boolean }) => {
      const ids = refs.length ? refs : (await ctx.engine.json<ContainerSummary[]>('GET', '/containers/json')).map((c) => c.Id);
      if (!opts.stream) {
        const samples = await Promise.all(ids.map((id) => ctx.engine.json<ContainerStatsResponse>('GET', `/containers/${seg(id)}/stats`, { query: { stream: false } })));
        return void ctx.print(samples, () => statsTable(samples));
      }
      const latest = new Map<string, ContainerStatsResponse>();
      await Promise.all(ids.map(async (id) => {
        for await (const s of ctx.engine.lines<ContainerStatsResponse>('GET', `/containers/${seg(id)}/stats`, { query: { stream: true } })) {
          latest.set(id, s);
          redraw(ctx, s, [...latest.values()]);
        }
      }));
    }));
}

function redraw(ctx: CliContext, sample: ContainerStatsResponse, all: ContainerStatsResponse[]): void {
  if (ctx.json) return void ctx.io.stdout.write(`${JSON.stringify(sample)}\n`);
  ctx.io.stdout.write((ctx.io.stdout.isTTY ? '\x1b[2J\x1b[H' : '') + statsTable(all));
}

/** Docker's stats table. */
export function statsTable(samples: ContainerStatsResponse[]): string {
  return table(['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS'], samples.map((s) => {
    const mem = memoryUsage(s);
    const limit = s.memory_stats.limit ?? 0;
    return [shortId(s.id), s.name.replace(/^\//, ''), `${cpuPercent(s).toFixed(2)}%`,
      `${humanBytesBinary(mem)} / ${humanBytesBinary(limit)}`, `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`, String(s.pids_stats.current ?? 0)];
  }));
}

/** CPU use since the previous sample, in percent of one CPU (like Docker: may exceed 100 with several CPUs). */
export function cpuPercent(s: ContainerStatsResponse): number {
  const cpu = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const system = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  return cpu > 0 && system > 0 ? (cpu / system) * (s.cpu_stats.online_cpus ?? 1) * 100 : 0;
}

/** Memory in use without the reclaimable page cache, as Docker counts it. */
export function memoryUsage(s: ContainerStatsResponse): number {
  const cache = s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.total_inactive_file ?? 0;
  return Math.max(0, (s.memory_stats.usage ?? 0) - cache);
}
