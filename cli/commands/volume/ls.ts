/** `volume ls`: list volumes. */
import type { Command } from 'commander';
import type { VolumeListResponse } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { table } from '../../format.js';
import { collect, filtersQuery } from '../../filters.js';

export function register(parent: Command, app: App): void {
  parent.command('ls').alias('list').description('List volumes')
    .option('-q, --quiet', 'only display volume names')
    .option('-f, --filter <key=value>', 'filter (name, label, dangling)', collect)
    .action(app.action(async (ctx, opts: { quiet?: boolean; filter?: string[] }) => {
      const res = await ctx.engine.json<VolumeListResponse>('GET', '/volumes', { query: { filters: filtersQuery(opts.filter) } });
      const list = res.Volumes ?? [];
      if (opts.quiet) return void ctx.print(list.map((v) => v.Name), list.map((v) => v.Name).join('\n'));
      ctx.print(list, () => table(['DRIVER', 'VOLUME NAME'], list.map((v) => [v.Driver, v.Name])));
    }));
}
