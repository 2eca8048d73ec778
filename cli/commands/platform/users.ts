/**
 * `tspaas users`, `users:create`, `users:destroy` (admins; issue 17): the
 * platform's users. A new user gets no token: `tspaas tokens:create NAME
 * --user EMAIL` makes one; their role in a team is given with `--team` here
 * (as `member`) or by `members:add`/`members:set-role`.
 */
import type { Command } from 'commander';
import type { CreateUser, User } from '../../../platform/api/types.js';
import { table, timeAgo } from '../../format.js';
import type { App } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { ask, platformAction, seg } from './shared.js';

/** Add the user commands. */
export function register(program: Command, app: App): void {
  program.command('users').description('List the platform\'s users (admins)')
    .action(platformAction(app, async (ctx) => {
      const users = await (await ctx.platform()).json<User[]>('GET', '/users');
      ctx.print(users, () => table(['EMAIL', 'ADMIN', 'TEAMS', 'CREATED'],
        users.map((u) => [u.email, u.isAdmin ? 'yes' : 'no', u.teams.join(', ') || '-', timeAgo(u.createdAt, Date.now())])));
    }));
  program.command('users:create').description('Create a user (admins), a member of the teams given').argument('<email>')
    .option('-t, --team <team>', 'a team the user joins as a member (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--admin', 'a platform admin (every right everywhere)')
    .action(platformAction(app, async (ctx, email: string, opts: { team: string[]; admin?: boolean }) => {
      const body: CreateUser = { email, teams: opts.team, ...(opts.admin ? { admin: true } : {}) };
      const user = await (await ctx.platform()).json<User>('POST', '/users', body);
      ctx.print(user, `Created user ${user.email}${user.teams.length ? ` in ${user.teams.join(', ')}` : ''}: make their token with \`tspaas tokens:create NAME --user ${user.email}\``);
    }));
  program.command('users:destroy').description('Delete a user and revoke their tokens at once (admins; not yourself)').argument('<email>')
    .option('--confirm <email>', 'the email again (asked for on a terminal)')
    .action(platformAction(app, async (ctx, email: string, opts: { confirm?: string }) => {
      const confirmed = opts.confirm ?? (await ask(ctx, `This deletes user ${email} and their tokens. Type the email to confirm: `));
      if (confirmed !== email) throw new PlatformError('Invalid', `confirmation "${confirmed ?? ''}" does not match the user "${email}"`, `pass --confirm ${email}`);
      await (await ctx.platform()).json('DELETE', `/users/${seg(email)}`);
      ctx.print({ destroyed: email }, `Deleted user ${email}`);
    }));
}
