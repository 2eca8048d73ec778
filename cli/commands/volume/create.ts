/** `volume create`: a named (or generated) local volume. */
import type { Command } from 'commander';
import type { Volume, VolumeCreateOptions } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { collect } from '../../filters.js';
import { parseLabels, parseStorageOpts as parseDriverOpts } from '../../run-options.js';

export function register(parent: Command, app: App): void {
  parent.command('create').description('Create a volume')
    .argument('[name]', 'volume name (generated when omitted)')
    .option('-l, --label <key=value>', 'set a label (repeatable)', collect)
    .option('-o, --opt <key=value>', 'driver option: o=size=<size> bounds the volume, e.g. o=size=10G (repeatable)', collect)
    .action(app.action(async (ctx, name: string | undefined, opts: { label?: string[]; opt?: string[] }) => {
      const body = { Name: name, Labels: parseLabels(opts.label ?? []), DriverOpts: parseDriverOpts(opts.opt ?? [], '--opt') } satisfies VolumeCreateOptions;
      const v = await ctx.engine.json<Volume>('POST', '/volumes/create', { body });
      ctx.print(v, v.Name);
    }));
}
