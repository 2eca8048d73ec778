/**
 * `tspaas registry:login HOST -u USER --password-stdin`, `registry:logout HOST`,
 * `registry:list` (issue 14, part R): a team's (or with `-a`, one app's)
 * credentials for a private registry, kept by the platform for its
 * Dockerfile builds. (`tspaas login HOST` is the engine's docker-style login.)
 */
import type { Command } from 'commander';
import type { RegistryLogin, SetRegistryLogin } from '../../../platform/api/types.js';
import { table, timeAgo } from '../../format.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { platformAction, seg } from './shared.js';

interface Where { team?: string; app?: string }

/** Add the registry-login commands. */
export function register(program: Command, app: App): void {
  owned(program.command('registry:login').description('Store a private registry\'s credentials for your team\'s Dockerfile builds (or one app\'s, with -a)'))
    .argument('<host>', 'registry host[:port], e.g. registry.example.com')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .action(platformAction(app, async (ctx, host: string, opts: Where & { username?: string; password?: string; passwordStdin?: boolean }) => {
      if (!opts.username) throw new PlatformError('Invalid', 'a user name is required', 'use -u USER');
      const body: SetRegistryLogin = { host, username: opts.username, password: await password(ctx, opts), ...where(opts) };
      const login = await (await ctx.platform()).json<RegistryLogin>('PUT', '/registry-logins', body);
      ctx.print(login, `Stored the login of ${login.username} for ${login.host}: Dockerfile builds of ${owner(login)} pull with it`);
    }));
  owned(program.command('registry:logout').description('Forget a registry login of your team (or one app\'s, with -a)').argument('<host>'))
    .action(platformAction(app, async (ctx, host: string, opts: Where) => {
      const query = new URLSearchParams(where(opts) as Record<string, string>).toString();
      await (await ctx.platform()).json('DELETE', `/registry-logins/${seg(host)}${query ? `?${query}` : ''}`);
      ctx.print({ removed: host }, `Removed the login for ${host}`);
    }));
  program.command('registry:list').description('List the registry logins of your teams and their apps (hosts and users, never passwords)')
    .option('-t, --team <team>', 'only this team')
    .action(platformAction(app, async (ctx, opts: { team?: string }) => {
      const logins = await (await ctx.platform()).json<RegistryLogin[]>('GET', `/registry-logins${opts.team ? `?team=${seg(opts.team)}` : ''}`);
      ctx.print(logins, () => loginsTable(logins));
    }));
}

/** `-t/--team` and `-a/--app` (here `-a` is never guessed from the git remote: a team's login is the default). */
function owned(cmd: Command): Command {
  return cmd.option('-t, --team <team>', 'the team (needed when you are in several)').option('-a, --app <app>', 'only for this app\'s builds');
}

function where(opts: Where): Where {
  return { ...(opts.team ? { team: opts.team } : {}), ...(opts.app ? { app: opts.app } : {}) };
}

const owner = (l: RegistryLogin) => (l.app ? `app ${l.app}` : `team ${l.team}`);

/** The password from -p or stdin (one trailing newline dropped), never both. */
async function password(ctx: CliContext, opts: { password?: string; passwordStdin?: boolean }): Promise<string> {
  if (opts.password !== undefined && opts.passwordStdin) throw new PlatformError('Invalid', '--password and --password-stdin are mutually exclusive');
  if (opts.password !== undefined) return opts.password;
  if (!opts.passwordStdin) throw new PlatformError('Invalid', 'a password is required', 'pipe it in with --password-stdin');
  const chunks: Buffer[] = [];
  for await (const c of ctx.io.stdin) chunks.push(Buffer.from(c as Buffer));
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!text) throw new PlatformError('Invalid', 'the password read from stdin is empty');
  return text;
}

/** `registry:list`: host, user, team, app, when. */
function loginsTable(logins: RegistryLogin[]): string {
  if (!logins.length) return 'No registry logins: add one with `tspaas registry:login HOST -u USER --password-stdin`\n';
  return table(['HOST', 'USER', 'TEAM', 'APP', 'UPDATED'], logins.map((l) => [l.host, l.username, l.team, l.app ?? '(all apps)', timeAgo(l.updatedAt)]));
}
