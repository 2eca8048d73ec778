/** `image history`: the layers and the commands that made them, newest first. */
import type { Command } from 'commander';
import type { HistoryResponseItem } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { ellipsis, humanSize, shortId, table, timeAgo } from '../../format.js';

export function register(parent: Command, app: App): void {
  parent.command('history').description('Show the history of an image')
    .argument('<image>')
    .option('--no-trunc', "don't truncate output")
    .action(app.action(async (ctx, ref: string, opts: { trunc: boolean }) => {
      const items = await ctx.engine.json<HistoryResponseItem[]>('GET', `/images/${seg(ref)}/history`);
      ctx.print(items, () => table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], items.map((h) => [
        h.Id === '<missing>' || !h.Id ? '<missing>' : opts.trunc ? shortId(h.Id) : h.Id,
        timeAgo(h.Created), opts.trunc ? ellipsis(h.CreatedBy, 45) : h.CreatedBy, humanSize(h.Size), h.Comment,
      ])));
    }));
}
