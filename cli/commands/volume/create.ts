/** `volume create`: a named (or generated) local volume. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { collect } from '../../filters.js';
import { parseLabels } from '../../run-options.js';
import type { VolumeJson } from './ls.js';

export function register(parent: Command, app: App): void {
  parent.command('create').description('Create a volume')
    .argument('[name]', 'volume name (generated when omitted)')
    .option('-l, --label <key=value>', 'set a label (repeatable)', collect)
    .action(app.action(async (ctx, name: string | undefined, opts: { label?: string[] }) => {
      const v = await ctx.engine.json<VolumeJson>('POST', '/volumes/create', { body: { Name: name, Labels: parseLabels(opts.label ?? []) } });
      ctx.print(v, v.Name);
    }));
}
