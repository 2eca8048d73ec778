/** `container ps` (alias `ls`): list containers as Docker's table. */
import type { Command } from 'commander';
import type { ContainerSummary } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { ellipsis, shortId, table, timeAgo } from '../../format.js';
import { collect, filtersQuery } from '../../filters.js';
import { formatPortSummaries } from '../../ports.js';

export function register(parent: Command, app: App): void {
  parent.command('ps').alias('ls').description('List containers')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('-q, --quiet', 'only display IDs')
    .option('-f, --filter <key=value>', 'filter (status, name, id, label, ancestor, exited, health)', collect)
    .option('--no-trunc', "don't truncate output")
    .action(app.action(async (ctx, opts: { all?: boolean; quiet?: boolean; filter?: string[]; trunc: boolean }) => {
      const list = await ctx.engine.json<ContainerSummary[]>('GET', '/containers/json', { query: { all: opts.all, filters: filtersQuery(opts.filter) } });
      const id = (c: ContainerSummary) => (opts.trunc ? shortId(c.Id) : c.Id);
      if (opts.quiet) return void ctx.print(list.map((c) => c.Id), list.map(id).join('\n'));
      ctx.print(list, () => table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], list.map((c) => [
        id(c), c.Image, `"${opts.trunc ? ellipsis(c.Command, 20) : c.Command}"`, timeAgo(c.Created), c.Status,
        formatPortSummaries(c.Ports ?? []), c.Names.map((n) => n.replace(/^\//, '')).join(','),
      ])));
    }));
}
