/** `container rename`: give a container a new name. */
import type { Command } from 'commander';
import { seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('rename').description('Rename a container')
    .argument('<container>').argument('<new-name>')
    .action(app.action(async (ctx, ref: string, name: string) => {
      await ctx.engine.json('POST', `/containers/${seg(ref)}/rename`, { query: { name } });
    }));
}
