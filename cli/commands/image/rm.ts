/** `image rm`: untag images and delete those left without tags. */
import type { Command } from 'commander';
import type { ImageDeleteResponseItem } from '../../../runtime/api/docker/types.js';
import { TspaasError } from '../../../lib/errors.js';
import { ExitError, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  parent.command('rm').alias('remove').description('Remove one or more images')
    .argument('<images...>')
    .option('-f, --force', 'force removal of the image')
    .action(app.action(async (ctx, refs: string[], opts: { force?: boolean }) => {
      let failed = false;
      for (const ref of refs) {
        try {
          const items = await ctx.engine.json<ImageDeleteResponseItem[]>('DELETE', `/images/${seg(ref)}`, { query: { force: opts.force } });
          ctx.print(items, items.map((i) => (i.Untagged ? `Untagged: ${i.Untagged}` : `Deleted: ${i.Deleted}`)).join('\n'));
        } catch (err) {
          if (!(err instanceof TspaasError)) throw err;
          failed = true;
          ctx.io.stderr.write(`tspaas: ${err.message}\n`);
        }
      }
      if (failed) throw new ExitError(1);
    }));
}
