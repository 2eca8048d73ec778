/** `container top`: the processes of a container, as `ps` shows them. */
import type { Command } from 'commander';
import type { ContainerTopResponse } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { table } from '../../format.js';

export function register(parent: Command, app: App): void {
  parent.command('top').description('Display the running processes of a container')
    .argument('<container>').argument('[ps-options...]', 'options for ps (default -ef)')
    .action(app.action(async (ctx, ref: string, psArgs: string[]) => {
      const query = { ps_args: psArgs.length ? psArgs.join(' ') : undefined };
      const top = await ctx.engine.json<ContainerTopResponse>('GET', `/containers/${seg(ref)}/top`, { query });
      ctx.print(top, () => table(top.Titles, top.Processes));
    }));
}
