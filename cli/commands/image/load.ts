/** `image load`: images from a `docker save` or OCI layout tar; prints what was loaded. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { readInput } from '../../archive.js';
import type { ProgressMessage } from '../../progress.js';

export function register(parent: Command, app: App): void {
  parent.command('load').description('Load images from a tar archive (stdin by default)')
    .option('-i, --input <file>', 'read from a file instead of stdin')
    .option('-q, --quiet', 'suppress the load output')
    .action(app.action(async (ctx, opts: { input?: string; quiet?: boolean }) => {
      const messages: ProgressMessage[] = [];
      for await (const m of ctx.engine.lines<ProgressMessage>('POST', '/images/load', { query: { quiet: opts.quiet }, input: readInput(ctx, opts.input) })) messages.push(m);
      ctx.print(messages, messages.map((m) => m.stream ?? m.status ?? '').join(''));
    }));
}
