/** `network rm`: remove networks no running container is on. */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('rm').alias('remove').description('Remove one or more networks')
    .argument('<networks...>')
    .action(app.action(async (ctx, refs: string[]) => {
      await forEachRef(ctx, refs, (ref) => ctx.engine.json('DELETE', `/networks/${seg(ref)}`));
    }));
}
