/** `container commit`: a new image from a container's changes. */
import type { Command } from 'commander';
import type { IdResponse } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { collect } from '../../filters.js';
import { splitRef } from '../image/pull.js';

export function register(parent: Command, app: App): void {
  parent.command('commit').description("Create a new image from a container's changes")
    .argument('<container>').argument('[repository[:tag]]')
    .option('-a, --author <name>', 'author')
    .option('-m, --message <text>', 'commit message')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction (CMD, ENV, …) to the image (repeatable)', collect)
    .option('--no-pause', 'do not pause the container while committing')
    .action(app.action(async (ctx, ref: string, target: string | undefined, opts: { author?: string; message?: string; change?: string[]; pause: boolean }) => {
      const { name: repo, tag } = target ? splitRef(target) : { name: undefined, tag: undefined };
      const query = { container: ref, repo, tag, author: opts.author, comment: opts.message, changes: opts.change, pause: opts.pause };
      const res = await ctx.engine.json<IdResponse>('POST', '/commit', { query });
      ctx.print(res, res.Id);
    }));
}
