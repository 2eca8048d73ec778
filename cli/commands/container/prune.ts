/** `container prune`: remove all stopped containers. */
import type { Command } from 'commander';
import type { ContainerPruneResponse } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { humanSize } from '../../format.js';

export function register(parent: Command, app: App): void {
  parent.command('prune').description('Remove all stopped containers')
    .option('-f, --force', 'do not prompt for confirmation (accepted for Docker compatibility)')
    .action(app.action(async (ctx) => {
      const res = await ctx.engine.json<ContainerPruneResponse>('POST', '/containers/prune');
      const deleted = res.ContainersDeleted ?? [];
      ctx.print(res, [...(deleted.length ? ['Deleted Containers:', ...deleted, ''] : []), `Total reclaimed space: ${humanSize(res.SpaceReclaimed)}`].join('\n'));
    }));
}
