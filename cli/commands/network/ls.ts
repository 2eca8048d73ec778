/** `network ls`: list networks by name, as Docker's table. */
import type { Command } from 'commander';
import type { Network } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { shortId, table } from '../../format.js';
import { collect, filtersQuery } from '../../filters.js';

export function register(parent: Command, app: App): void {
  parent.command('ls').alias('list').description('List networks')
    .option('-q, --quiet', 'only display network IDs')
    .option('-f, --filter <key=value>', 'filter (name, id, driver, label, type, scope, dangling)', collect)
    .option('--no-trunc', "don't truncate output")
    .action(app.action(async (ctx, opts: { quiet?: boolean; filter?: string[]; trunc: boolean }) => {
      const res = await ctx.engine.json<Network[] | null>('GET', '/networks', { query: { filters: filtersQuery(opts.filter) } });
      const list = [...(res ?? [])].sort((a, b) => a.Name.localeCompare(b.Name));
      const id = (n: Network) => (opts.trunc ? shortId(n.Id) : n.Id);
      if (opts.quiet) return void ctx.print(list.map((n) => n.Id), list.map(id).join('\n'));
      ctx.print(list, () => table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], list.map((n) => [id(n), n.Name, n.Driver, n.Scope])));
    }));
}
