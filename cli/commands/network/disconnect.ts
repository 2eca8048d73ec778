/** `network disconnect`: take a container off a network. */
import type { Command } from 'commander';
import { seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('disconnect').description('Disconnect a container from a network')
    .argument('<network>').argument('<container>')
    .option('-f, --force', 'force the container to disconnect')
    .action(app.action(async (ctx, network: string, container: string, opts: { force?: boolean }) => {
      await ctx.engine.json('POST', `/networks/${seg(network)}/disconnect`, { body: { Container: container, Force: !!opts.force } });
    }));
}
