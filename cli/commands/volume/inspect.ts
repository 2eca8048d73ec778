/** `volume inspect`: the full JSON of volumes, or a `--format` template of each. */
import type { Command } from 'commander';
import type { Volume } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { inspectEach } from '../../inspect.js';

export function register(parent: Command, app: App): void {
  parent.command('inspect').description('Display detailed information on one or more volumes')
    .argument('<volumes...>')
    .option('-f, --format <template>', 'format each with a template, e.g. {{.Mountpoint}}')
    .action(app.action(async (ctx, names: string[], opts: { format?: string }) => {
      await inspectEach(ctx, names, opts.format, (name) => ctx.engine.json<Volume>('GET', `/volumes/${seg(name)}`));
    }));
}
