/** `container restart`: stop (with timeout) then start. */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('restart').description('Restart one or more containers')
    .argument('<containers...>')
    .option('-t, --time <seconds>', 'seconds to wait before killing it')
    .action(app.action(async (ctx, refs: string[], opts: { time?: string }) => {
      await forEachRef(ctx, refs, (ref) => ctx.engine.json('POST', `/containers/${seg(ref)}/restart`, { query: { t: opts.time } }));
    }));
}
