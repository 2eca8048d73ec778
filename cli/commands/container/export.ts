/** `container export`: a container's filesystem as a tar archive. */
import type { Command } from 'commander';
import { seg, type App } from '../../context.js';
import { writeOutput } from '../../archive.js';

export function register(parent: Command, app: App): void {
  parent.command('export').description("Export a container's filesystem as a tar archive")
    .argument('<container>')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(app.action(async (ctx, ref: string, opts: { output?: string }) => {
      await writeOutput(ctx, await ctx.engine.stream('GET', `/containers/${seg(ref)}/export`), opts.output);
    }));
}
