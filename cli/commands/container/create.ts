/** `container create`: create a container without starting it; prints its ID. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { buildCreateRequest, type RunFlags } from '../../run-options.js';
import { addCreateFlags } from './flags.js';
import { createContainer, parseEnvOf } from './shared.js';

export function register(parent: Command, app: App): void {
  const cmd = parent.command('create').description('Create a new container');
  addCreateFlags(cmd).action(app.action(async (ctx, image: string, args: string[], flags: RunFlags) => {
    const id = await createContainer(ctx, buildCreateRequest(flags, image, args, parseEnvOf(ctx)));
    ctx.print({ Id: id }, id);
  }));
}
