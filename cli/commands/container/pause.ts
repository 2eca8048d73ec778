/** `container pause` / `unpause`: freeze and thaw every process (cgroup freezer). */
import type { Command } from 'commander';
import { forEachRef, seg, type App } from '../../context.js';

export function register(parent: Command, app: App): void {
  for (const [name, description] of [['pause', 'Pause all processes in containers'], ['unpause', 'Unpause all processes in containers']]) {
    parent.command(name!).description(description!)
      .argument('<containers...>')
      .action(app.action(async (ctx, refs: string[]) => {
        await forEachRef(ctx, refs, (ref) => ctx.engine.json('POST', `/containers/${seg(ref)}/${name}`));
      }));
  }
}
