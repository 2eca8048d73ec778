/** `image save`: images as a `docker save` tar (also an OCI layout). */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { writeOutput } from '../../archive.js';

export function register(parent: Command, app: App): void {
  parent.command('save').description('Save one or more images to a tar archive (stdout by default)')
    .argument('<images...>')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(app.action(async (ctx, refs: string[], opts: { output?: string }) => {
      await writeOutput(ctx, await ctx.engine.stream('GET', '/images/get', { query: { names: refs } }), opts.output);
    }));
}
