/** `container inspect`: the full JSON of containers, or a `--format` template of each. */
import type { Command } from 'commander';
import type { ContainerInspectResponse } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { inspectEach } from '../../inspect.js';

export function register(parent: Command, app: App): void {
  parent.command('inspect').description('Display detailed information on one or more containers')
    .argument('<containers...>')
    .option('-f, --format <template>', 'format each with a template, e.g. {{.State.Status}}')
    .action(app.action(async (ctx, refs: string[], opts: { format?: string }) => {
      await inspectEach(ctx, refs, opts.format, (ref) => ctx.engine.json<ContainerInspectResponse>('GET', `/containers/${seg(ref)}/json`));
    }));
}
