/** `volume rm`: remove volumes not in use (or in use with -f). */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('rm').alias('remove').description('Remove one or more volumes')
    .argument('<volumes...>')
    .option('-f, --force', 'force the removal')
    .action(app.action(async (ctx, names: string[], opts: { force?: boolean }) => {
      await forEachRef(ctx, names, (name) => ctx.engine.json('DELETE', `/volumes/${seg(name)}`, { query: { force: opts.force } }));
    }));
}
