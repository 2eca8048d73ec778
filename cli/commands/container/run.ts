/** `container run`: create, attach, start and wait like `docker run`; exits with the container's code. */
import type { Command } from 'commander';
import { invalid } from '../../../lib/errors.js';
import { seg, type App } from '../../context.js';
import { buildCreateRequest, type RunFlags } from '../../run-options.js';
import { addCreateFlags } from './flags.js';
import { attachSession, createContainer, parseEnvOf } from './shared.js';

export function register(parent: Command, app: App): void {
  const cmd = parent.command('run').description('Create and run a new container from an image')
    .option('-d, --detach', 'run in the background and print the container ID')
    .option('--rm', 'remove the container when it exits');
  addCreateFlags(cmd).action(app.action(async (ctx, image: string, args: string[], flags: RunFlags) => {
    if (flags.interactive && flags.tty && !ctx.io.stdin.isTTY && !flags.detach) throw invalid('the input device is not a TTY');
    const req = buildCreateRequest(flags, image, args, parseEnvOf(ctx));
    if (flags.tty && ctx.io.stdout.isTTY) req.body.HostConfig.ConsoleSize = [ctx.io.stdout.rows, ctx.io.stdout.columns];
    const id = await createContainer(ctx, req);
    if (flags.detach) {
      await ctx.engine.json('POST', `/containers/${seg(id)}/start`);
      return void ctx.print({ Id: id }, id);
    }
    const condition = flags.rm ? 'removed' : 'next-exit';
    return attachSession(ctx, id, { tty: !!flags.tty, stdin: !!flags.interactive, start: true, condition });
  }));
}
