/** `image prune`: delete dangling images (all unused ones with -a). */
import type { Command } from 'commander';
import type { ImagePruneResponse } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { humanSize } from '../../format.js';

export function register(parent: Command, app: App): void {
  parent.command('prune').description('Remove unused images')
    .option('-a, --all', 'remove all images not used by a container, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation (accepted for Docker compatibility)')
    .action(app.action(async (ctx, opts: { all?: boolean }) => {
      const filters = opts.all ? JSON.stringify({ dangling: ['false'] }) : undefined;
      const res = await ctx.engine.json<ImagePruneResponse>('POST', '/images/prune', { query: { filters } });
      const lines = (res.ImagesDeleted ?? []).map((i) => (i.Untagged ? `untagged: ${i.Untagged}` : `deleted: ${i.Deleted}`));
      ctx.print(res, [...lines, `Total reclaimed space: ${humanSize(res.SpaceReclaimed)}`].join('\n'));
    }));
}
