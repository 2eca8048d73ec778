/** `container diff`: files changed in a container's filesystem (A added, C changed, D deleted). */
import type { Command } from 'commander';
import type { FilesystemChange } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';

const KINDS = ['C', 'A', 'D'];

export function register(parent: Command, app: App): void {
  parent.command('diff').description("Inspect changes to files on a container's filesystem")
    .argument('<container>')
    .action(app.action(async (ctx, ref: string) => {
      const changes = (await ctx.engine.json<FilesystemChange[] | null>('GET', `/containers/${seg(ref)}/changes`)) ?? [];
      ctx.print(changes, changes.map((c) => `${KINDS[c.Kind] ?? '?'} ${c.Path}`).join('\n'));
    }));
}
