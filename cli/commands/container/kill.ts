/** `container kill`: send a signal (default SIGKILL). */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('kill').description('Kill one or more running containers')
    .argument('<containers...>')
    .option('-s, --signal <signal>', 'signal to send', 'KILL')
    .action(app.action(async (ctx, refs: string[], opts: { signal: string }) => {
      await forEachRef(ctx, refs, (ref) => ctx.engine.json('POST', `/containers/${seg(ref)}/kill`, { query: { signal: opts.signal } }));
    }));
}
