/** `container wait`: block until containers stop; print their exit codes and exit with the last one. */
import type { Command } from 'commander';
import type { ContainerWaitResponse } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('wait').description('Block until containers stop, then print their exit codes')
    .argument('<containers...>')
    .action(app.action(async (ctx, refs: string[]) => {
      let code = 0;
      for (const ref of refs) {
        const res = await ctx.engine.json<ContainerWaitResponse>('POST', `/containers/${seg(ref)}/wait`, { query: { condition: 'not-running' } });
        ctx.print(res, String(res.StatusCode));
        code = res.StatusCode;
      }
      return code;
    }));
}
