/** `image import`: a one-layer image from a flat rootfs tar. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import { readInput } from '../../archive.js';
import { collect } from '../../filters.js';
import { splitRef } from './pull.js';

export function register(parent: Command, app: App): void {
  parent.command('import').description('Import a filesystem tar to create an image')
    .argument('<file>', 'tar file, or - for stdin').argument('[repository[:tag]]')
    .option('-m, --message <text>', 'commit message')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction to the image (repeatable)', collect)
    .action(app.action(async (ctx, file: string, target: string | undefined, opts: { message?: string; change?: string[] }) => {
      const { name: repo, tag } = target ? splitRef(target) : { name: undefined, tag: undefined };
      const query = { fromSrc: '-', repo, tag, message: opts.message, changes: opts.change };
      const messages: { status?: string }[] = [];
      for await (const m of ctx.engine.lines<{ status?: string }>('POST', '/images/create', { query, input: readInput(ctx, file) })) messages.push(m);
      const id = messages.map((m) => m.status).filter(Boolean).pop() ?? '';
      ctx.print(messages, id);
    }));
}
