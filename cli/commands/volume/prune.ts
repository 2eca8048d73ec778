/** `volume prune`: remove unused anonymous volumes (all unused ones with -a). */
import type { Command } from 'commander';
import type { VolumePruneResponse } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { humanSize } from '../../format.js';

export function register(parent: Command, app: App): void {
  parent.command('prune').description('Remove unused volumes')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not prompt for confirmation (accepted for Docker compatibility)')
    .action(app.action(async (ctx, opts: { all?: boolean }) => {
      const filters = opts.all ? JSON.stringify({ all: ['true'] }) : undefined;
      const res = await ctx.engine.json<VolumePruneResponse>('POST', '/volumes/prune', { query: { filters } });
      const deleted = res.VolumesDeleted ?? [];
      ctx.print(res, [...(deleted.length ? ['Deleted Volumes:', ...deleted, ''] : []), `Total reclaimed space: ${humanSize(res.SpaceReclaimed)}`].join('\n'));
    }));
}
