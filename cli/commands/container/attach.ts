/** `container attach`: connect the local stdio to a running container; exits with its code. */
import type { Command } from 'commander';
import type { ContainerInspectResponse } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { attachSession } from './shared.js';

export function register(parent: Command, app: App): void {
  parent.command('attach').description("Attach local standard input, output and error to a running container")
    .argument('<container>')
    .option('--no-stdin', 'do not attach stdin')
    .action(app.action(async (ctx, ref: string, opts: { stdin: boolean }) => {
      const c = await ctx.engine.json<ContainerInspectResponse>('GET', `/containers/${seg(ref)}/json`);
      const condition = c.HostConfig.AutoRemove ? 'removed' : 'not-running';
      return attachSession(ctx, c.Id, { tty: c.Config.Tty, stdin: opts.stdin && c.Config.OpenStdin, start: false, condition });
    }));
}
