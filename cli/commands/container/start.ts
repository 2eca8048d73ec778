/** `container start`: start stopped containers; with -a attach to one and exit with its code. */
import type { Command } from 'commander';
import type { ContainerInspectResponse } from '../../../runtime/api/docker/types.js';
import { invalid } from '../../../lib/errors.js';
import { forEachRef, seg, type App } from '../../context.js';
import { attachSession } from './shared.js';

export function register(parent: Command, app: App): void {
  parent.command('start').description('Start one or more stopped containers')
    .argument('<containers...>')
    .option('-a, --attach', 'attach stdout/stderr and forward signals')
    .option('-i, --interactive', "attach the container's stdin")
    .action(app.action(async (ctx, refs: string[], opts: { attach?: boolean; interactive?: boolean }) => {
      if (!opts.attach && !opts.interactive) return forEachRef(ctx, refs, (ref) => ctx.engine.json('POST', `/containers/${seg(ref)}/start`));
      if (refs.length !== 1) throw invalid('you cannot start and attach multiple containers at once');
      const c = await ctx.engine.json<ContainerInspectResponse>('GET', `/containers/${seg(refs[0]!)}/json`);
      const condition = c.HostConfig.AutoRemove ? 'removed' : 'next-exit';
      return attachSession(ctx, c.Id, { tty: c.Config.Tty, stdin: !!opts.interactive, start: true, condition });
    }));
}
