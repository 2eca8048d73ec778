/**
 * `tspaas dashboard`: a one-time login link to the dashboard (POST
 * /v1/dashboard/login-links), opened in the browser on a terminal and
 * printed otherwise (or with --json).
 */
import type { Command } from 'commander';
import type { LoginLink } from '../../../platform/api/types.js';
import type { App } from '../../context.js';
import { openInBrowser } from './apps.js';
import { platformAction } from './shared.js';

/** Add `dashboard`. */
export function register(program: Command, app: App): void {
  program.command('dashboard').description('Open the dashboard logged in (a one-time link, a minute); print the link when not on a terminal')
    .action(platformAction(app, async (ctx) => {
      const link = await (await ctx.platform()).json<LoginLink>('POST', '/dashboard/login-links', {});
      const onTerminal = !ctx.json && ctx.io.stdout.isTTY === true;
      ctx.print(link, onTerminal ? `Opening ${link.url} (it works once, for a minute)` : link.url);
      if (onTerminal) openInBrowser(link.url);
    }));
}
