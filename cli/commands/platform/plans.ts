/**
 * `tspaas plans`: the process sizes the platform offers (GET /v1/plans),
 * for `scale web=2:standard-1x` and `run --size basic`.
 */
import type { Command } from 'commander';
import type { PlanInfo } from '../../../platform/api/types.js';
import type { App } from '../../context.js';
import { table } from '../../format.js';
import { platformAction } from './shared.js';
import { memory } from './tables.js';

/** Add `plans`. */
export function register(program: Command, app: App): void {
  program.command('plans').description('List the process sizes (plans) on offer: memory, CPUs, CPU weight, processes')
    .action(platformAction(app, async (ctx) => {
      const plans = await (await ctx.platform()).json<PlanInfo[]>('GET', '/plans');
      ctx.print(plans, () => plansTable(plans));
    }));
}

/** One line per plan; NOTES says which is the default, which builds get, and which this host is too small for. */
export function plansTable(plans: PlanInfo[]): string {
  return table(['PLAN', 'MEMORY', 'CPUS', 'WEIGHT', 'PIDS', 'NOTES'], plans.map((p) => [
    p.name, memory(p.memoryBytes), p.cpus > 0 ? String(p.cpus) : 'any', String(p.cpuShares), String(p.pidsLimit),
    [p.default ? 'default' : '', p.build ? 'builds' : '', p.fits ? '' : 'larger than this host allows'].filter(Boolean).join(', '),
  ]));
}
