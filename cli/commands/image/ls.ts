/** `image ls`: list images as Docker's table. */
import type { Command } from 'commander';
import type { ImageSummary } from '../../../runtime/api/docker/types.js';
import type { App } from '../../context.js';
import { humanSize, shortId, table, timeAgo } from '../../format.js';
import { collect, filtersQuery } from '../../filters.js';

export function register(parent: Command, app: App): void {
  parent.command('ls').alias('list').description('List images')
    .argument('[repository]', 'only images of this repository')
    .option('-a, --all', 'show all images')
    .option('-q, --quiet', 'only show image IDs')
    .option('-f, --filter <key=value>', 'filter (dangling, label, reference)', collect)
    .option('--no-trunc', "don't truncate output")
    .action(app.action(async (ctx, repo: string | undefined, opts: { all?: boolean; quiet?: boolean; filter?: string[]; trunc: boolean }) => {
      const filters = filtersQuery(opts.filter, repo ? { reference: [repo] } : {});
      const list = await ctx.engine.json<ImageSummary[]>('GET', '/images/json', { query: { all: opts.all, filters } });
      const id = (i: ImageSummary) => (opts.trunc ? shortId(i.Id) : i.Id);
      if (opts.quiet) return void ctx.print(list.map((i) => i.Id), [...new Set(list.map(id))].join('\n'));
      const rows = list.flatMap((i) => (i.RepoTags?.length ? i.RepoTags : ['<none>:<none>']).map((t) => {
        const at = t.lastIndexOf(':');
        return [t.slice(0, at), t.slice(at + 1), id(i), timeAgo(i.Created), humanSize(i.Size)];
      }));
      ctx.print(list, () => table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
    }));
}
