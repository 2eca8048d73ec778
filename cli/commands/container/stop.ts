/** `container stop`: the stop signal, then SIGKILL after the timeout. */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('stop').description('Stop one or more running containers')
    .argument('<containers...>')
    .option('-t, --time <seconds>', 'seconds to wait before killing it')
    .option('-s, --signal <signal>', 'signal to send instead of the stop signal')
    .action(app.action(async (ctx, refs: string[], opts: { time?: string; signal?: string }) => {
      await forEachRef(ctx, refs, (ref) => ctx.engine.json('POST', `/containers/${seg(ref)}/stop`, { query: { t: opts.time, signal: opts.signal } }));
    }));
}
