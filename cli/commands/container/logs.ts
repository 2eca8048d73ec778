/** `container logs`: print (and with -f follow) a container's output. */
import type { Command } from 'commander';
import type { ContainerInspectResponse } from '../../../runtime/api/docker/types.js';
import { seg, type App } from '../../context.js';
import { parseSince } from '../../format.js';
import { createDemuxer } from '../../frames.js';

interface LogsFlags { follow?: boolean; since?: string; until?: string; tail?: string; timestamps?: boolean }

export function register(parent: Command, app: App): void {
  parent.command('logs').description("Fetch a container's logs")
    .argument('<container>')
    .option('-f, --follow', 'follow log output')
    .option('--since <time>', 'since a time: RFC 3339, unix seconds, or relative (10m)')
    .option('--until <time>', 'until a time: RFC 3339, unix seconds, or relative (10m)')
    .option('-n, --tail <lines>', 'number of lines from the end ("all" for every line)', 'all')
    .option('-t, --timestamps', 'show timestamps')
    .action(app.action(async (ctx, ref: string, opts: LogsFlags) => {
      const c = await ctx.engine.json<ContainerInspectResponse>('GET', `/containers/${seg(ref)}/json`);
      const query = {
        stdout: true, stderr: true, follow: opts.follow, timestamps: opts.timestamps, tail: opts.tail,
        since: opts.since && parseSince(opts.since), until: opts.until && parseSince(opts.until),
      };
      const res = await ctx.engine.stream('GET', `/containers/${seg(c.Id)}/logs`, { query });
      const demux = createDemuxer((stream, data) => (stream === 'stdout' ? ctx.io.stdout : ctx.io.stderr).write(data));
      for await (const chunk of res) {
        if (c.Config.Tty) ctx.io.stdout.write(chunk as Buffer);
        else demux(chunk as Buffer);
      }
    }));
}
