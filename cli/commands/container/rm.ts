/** `container rm`: remove containers (running ones only with -f). */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('rm').alias('remove').description('Remove one or more containers')
    .argument('<containers...>')
    .option('-f, --force', 'kill and remove a running container')
    .option('-v, --volumes', 'also remove anonymous volumes')
    .action(app.action(async (ctx, refs: string[], opts: { force?: boolean; volumes?: boolean }) => {
      await forEachRef(ctx, refs, (ref) => ctx.engine.json('DELETE', `/containers/${seg(ref)}`, { query: { force: opts.force, v: opts.volumes } }));
    }));
}
