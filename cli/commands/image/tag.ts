/** `image tag`: give an image another reference. */
import type { Command } from 'commander';
import { seg, type App } from '../../context.js';
import { splitRef } from './pull.js';

export function register(parent: Command, app: App): void {
  parent.command('tag').description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>').argument('<target>')
    .action(app.action(async (ctx, source: string, target: string) => {
      const { name: repo, tag } = splitRef(target);
      await ctx.engine.json('POST', `/images/${seg(source)}/tag`, { query: { repo, tag } });
    }));
}
