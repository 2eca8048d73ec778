/**
 * `tspaas logs [-f] [--ps web] [-n N]`: the app's processes merged, one line
 * per entry (`<time> <type.N>: <text>`, each source in its own colour on a
 * terminal); `--json` prints the LogEntry objects as NDJSON.
 * `tspaas builds` and `builds:output ID` list builds and print a build's log.
 */
import type { Command } from 'commander';
import type { Build, LogEntry } from '../../../platform/api/types.js';
import type { App } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { platformAction, seg, target, withApp } from './shared.js';
import { buildsTable, logLine } from './tables.js';

interface LogOpts { app?: string; follow?: boolean; ps?: string; tail?: string }

/** The query of GET …/logs for the flags. */
export function logsQuery(opts: LogOpts): string {
  const q = new URLSearchParams();
  if (opts.follow) q.set('follow', '1');
  if (opts.tail !== undefined) {
    if (!/^\d+$/.test(opts.tail)) throw new PlatformError('Invalid', `--tail "${opts.tail}" is not a number of lines`, 'write e.g. -n 100');
    q.set('tail', opts.tail);
  }
  if (opts.ps) q.set('ps', opts.ps);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Add logs, builds and builds:output. */
export function register(program: Command, app: App): void {
  withApp(program.command('logs').description('Show (and with -f follow) the logs of the app\'s processes'))
    .option('-f, --follow', 'keep following; new processes join')
    .option('-p, --ps <type>', 'only this process type (web) or process (web.1)')
    .option('-n, --tail <lines>', 'start with the last N lines')
    .action(platformAction(app, async (ctx, opts: LogOpts) => {
      const { api, base } = await target(ctx, opts);
      const colour = !ctx.json && !!ctx.io.stdout.isTTY;
      for await (const entry of api.ndjson<LogEntry>(`${base}/logs${logsQuery(opts)}`)) {
        ctx.io.stdout.write(`${ctx.json ? JSON.stringify(entry) : logLine(entry, colour)}\n`);
      }
    }));
  withApp(program.command('builds').description('List the app\'s builds')).action(platformAction(app, async (ctx, opts: { app?: string }) => {
    const { api, base } = await target(ctx, opts);
    const builds = await api.json<Build[]>('GET', `${base}/builds`);
    ctx.print(builds, () => buildsTable(builds));
  }));
  withApp(program.command('builds:output').description('Print the log of a build (a failed one too); --json: the build and its lines').argument('<id>'))
    .option('-f, --follow', 'follow a running build until it ends')
    .action(platformAction(app, async (ctx, id: string, opts: { app?: string; follow?: boolean }) => {
      const { api, base } = await target(ctx, opts);
      const lines: string[] = [];
      for await (const line of api.lines(`${base}/builds/${seg(id)}/log${opts.follow ? '?follow=1' : ''}`)) {
        if (ctx.json) lines.push(line);
        else ctx.io.stdout.write(`${line}\n`);
      }
      if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ build: await api.json<Build>('GET', `${base}/builds/${seg(id)}`), lines })}\n`);
    }));
}
