/** `image inspect`: the full JSON of images, or a `--format` template of each. */
import type { Command } from 'commander';
import type { ImageInspect } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { inspectEach } from '../../inspect.js';

export function register(parent: Command, app: App): void {
  parent.command('inspect').description('Display detailed information on one or more images')
    .argument('<images...>')
    .option('-f, --format <template>', 'format each with a template, e.g. {{.Config.Cmd}}')
    .action(app.action(async (ctx, refs: string[], opts: { format?: string }) => {
      await inspectEach(ctx, refs, opts.format, (ref) => ctx.engine.json<ImageInspect>('GET', `/images/${seg(ref)}/json`));
    }));
}
