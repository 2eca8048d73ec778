/**
 * `tspaas tokens`, `tokens:create NAME [--expires 30d]`, `tokens:revoke NAME`
 * (issue 17): your API tokens — named, optionally expiring, revocable; a
 * revoked or expired token is refused at once everywhere. Admins name
 * another user with `--user EMAIL`.
 */
import type { Command } from 'commander';
import type { CreateToken, NewToken, TokenInfo } from '../../../platform/api/types.js';
import { table, timeAgo } from '../../format.js';
import type { App } from '../../context.js';
import { platformAction, seg } from './shared.js';

interface Opts { user?: string }

/** Add the token commands. */
export function register(program: Command, app: App): void {
  withUser(program.command('tokens').description('List your API tokens: name, prefix, created, expires, last used, status (never a secret)'))
    .action(platformAction(app, async (ctx, opts: Opts) => {
      const tokens = await (await ctx.platform()).json<TokenInfo[]>('GET', base(opts));
      ctx.print(tokens, () => tokensTable(tokens));
    }));
  withUser(program.command('tokens:create').description('Create an API token; its secret is printed this once').argument('<name>', 'a name of yours (letters, digits, . _ -)'))
    .option('-e, --expires <when>', 'a duration (12h, 30d, 2w) or an ISO date or time (2027-01-31); default: never')
    .option('-d, --description <text>', 'what it is for')
    .action(platformAction(app, async (ctx, name: string, opts: Opts & { expires?: string; description?: string }) => {
      const body: CreateToken = { name, ...(opts.expires ? { expires: opts.expires } : {}), ...(opts.description ? { description: opts.description } : {}) };
      const made = await (await ctx.platform()).json<NewToken>('POST', base(opts), body);
      ctx.print(made, `Created token ${made.name} (${made.expiresAt ? `expires ${made.expiresAt}` : 'never expires'}). Its secret, shown this once:\n${made.token}`);
    }));
  withUser(program.command('tokens:revoke').description('Revoke an API token by name or id: refused everywhere from now on').argument('<name>'))
    .action(platformAction(app, async (ctx, name: string, opts: Opts) => {
      await (await ctx.platform()).json('DELETE', `${base(opts)}/${seg(name)}`);
      ctx.print({ revoked: name }, `Revoked token ${name}`);
    }));
}

function withUser(cmd: Command): Command {
  return cmd.option('-u, --user <email>', 'another user\'s tokens (admins)');
}

const base = (opts: Opts) => `/users/${seg(opts.user ?? 'me')}/tokens`;

/** `tokens`: one row a token, newest first. */
function tokensTable(tokens: TokenInfo[], now = Date.now()): string {
  if (!tokens.length) return 'No tokens: create one with `tspaas tokens:create NAME`\n';
  return table(['NAME', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED', 'STATUS'], tokens.map((t) => [
    t.name, t.prefix, timeAgo(t.createdAt, now), t.expiresAt ?? 'never', t.lastUsedAt ? timeAgo(t.lastUsedAt, now) : 'never',
    t.status === 'revoked' ? `revoked ${timeAgo(t.revokedAt!, now)}` : t.status,
  ]));
}
