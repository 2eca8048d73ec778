/** `network prune`: remove every user network no container is on. */
import type { Command } from 'commander';
import type { NetworkPruneResponse } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { collect, filtersQuery } from '../../filters.js';

export function register(parent: Command, app: App): void {
  parent.command('prune').description('Remove all unused networks')
    .option('-f, --force', 'do not prompt for confirmation (accepted for Docker compatibility)')
    .option('--filter <key=value>', 'filter (until, label)', collect)
    .action(app.action(async (ctx, opts: { filter?: string[] }) => {
      const res = await ctx.engine.json<NetworkPruneResponse>('POST', '/networks/prune', { query: { filters: filtersQuery(opts.filter) } });
      const deleted = res.NetworksDeleted ?? [];
      ctx.print(res, deleted.length ? ['Deleted Networks:', ...deleted].join('\n') : '');
    }));
}
