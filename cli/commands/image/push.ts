/** `image push`: an image to the registry its name holds, with the credentials `login` stored; progress per layer. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { registryAuthHeaders } from '../../credentials.js';
import { showProgress } from '../../progress.js';
import { splitRef } from './pull.js';

export function register(parent: Command, app: App): void {
  parent.command('push').description('Push an image to a registry')
    .argument('<image>', 'host[:port]/name[:tag]')
    .action(app.action(async (ctx, ref: string) => {
      const { name, tag } = splitRef(ref);
      const headers = await registryAuthHeaders(ctx.config.authFile, ref);
      // as the docker CLI sends it: reference characters need no escaping, and the API routes by the last segment
      const messages = await showProgress(ctx, ctx.engine.lines('POST', `/images/${name}/push`, { query: { tag }, headers }));
      const aux = messages.find((m) => m.aux)?.aux as { Digest?: string } | undefined;
      if (aux?.Digest) ctx.say(`${name}@${aux.Digest}`);
    }));
}
