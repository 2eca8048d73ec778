/**
 * `tspaas teams`, `teams:create`, `teams:destroy`, `members`, `members:add`,
 * `members:remove`, `members:set-role` (issue 17): teams and the roles of
 * their members (owner, member, viewer; docs/platform.md "Roles").
 */
import type { Command } from 'commander';
import type { AddMember, Member, SetRole, Team, TeamInfo, TeamRole } from '../../../platform/api/types.js';
import { table, timeAgo } from '../../format.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError, type PlatformClient } from '../../platform-client.js';
import { ask, platformAction, seg } from './shared.js';

const ROLES: readonly TeamRole[] = ['owner', 'member', 'viewer'];

/** Add the team and member commands. */
export function register(program: Command, app: App): void {
  program.command('teams').description('List your teams (admins: all) and your role in each')
    .action(platformAction(app, async (ctx) => {
      const teams = await (await ctx.platform()).json<TeamInfo[]>('GET', '/teams');
      ctx.print(teams, () => teamsTable(teams));
    }));
  program.command('teams:create').description('Create a team (admins); its first member becomes its owner').argument('<name>', 'team name (a DNS label)')
    .action(platformAction(app, async (ctx, name: string) => {
      const team = await (await ctx.platform()).json<Team>('POST', '/teams', { name });
      ctx.print(team, `Created team ${team.name}: add its owner with \`tspaas members:add EMAIL --team ${team.name} --role owner\``);
    }));
  program.command('teams:destroy').description('Delete a team that has no apps (owners, admins)').argument('<name>')
    .option('--confirm <name>', 'the team\'s name again (asked for on a terminal)')
    .action(platformAction(app, async (ctx, name: string, opts: { confirm?: string }) => {
      const confirmed = opts.confirm ?? (await ask(ctx, `This deletes team ${name}. Type its name to confirm: `));
      if (confirmed !== name) throw new PlatformError('Invalid', `confirmation "${confirmed ?? ''}" does not match the team "${name}"`, `pass --confirm ${name}`);
      await (await ctx.platform()).json('DELETE', `/teams/${seg(name)}`);
      ctx.print({ destroyed: name }, `Deleted team ${name}`);
    }));
  withTeam(program.command('members').description('List the members of a team and their roles'))
    .action(platformAction(app, async (ctx, opts: { team?: string }) => {
      const { api, team } = await teamTarget(ctx, opts);
      const members = await api.json<Member[]>('GET', `/teams/${seg(team)}/members`);
      ctx.print(members, () => table(['EMAIL', 'ROLE'], members.map((m) => [m.email, m.role])));
    }));
  withRole(withTeam(program.command('members:add').description('Add a user to a team with a role (owners, admins)').argument('<email>')))
    .action(platformAction(app, async (ctx, email: string, opts: { team?: string; role?: string }) => {
      const { api, team } = await teamTarget(ctx, opts);
      const body: AddMember = { email, ...(opts.role ? { role: role(opts.role) } : {}) };
      const member = await api.json<Member>('POST', `/teams/${seg(team)}/members`, body);
      ctx.print(member, `Added ${member.email} to team ${team} as ${member.role}`);
    }));
  withTeam(program.command('members:remove').description('Remove a user from a team (owners, admins; never the last owner)').argument('<email>'))
    .action(platformAction(app, async (ctx, email: string, opts: { team?: string }) => {
      const { api, team } = await teamTarget(ctx, opts);
      await api.json('DELETE', `/teams/${seg(team)}/members/${seg(email)}`);
      ctx.print({ removed: email, team }, `Removed ${email} from team ${team}`);
    }));
  withRole(withTeam(program.command('members:set-role').description('Change a member\'s role (owners, admins; never the last owner\'s)').argument('<email>')))
    .action(platformAction(app, async (ctx, email: string, opts: { team?: string; role?: string }) => {
      if (!opts.role) throw new PlatformError('Invalid', 'no role given', `pass --role ${ROLES.join('|')}`);
      const { api, team } = await teamTarget(ctx, opts);
      const body: SetRole = { role: role(opts.role) };
      const member = await api.json<Member>('PATCH', `/teams/${seg(team)}/members/${seg(email)}`, body);
      ctx.print(member, `${member.email} is now ${member.role === 'owner' ? 'an' : 'a'} ${member.role} of team ${team}`);
    }));
}

function withTeam(cmd: Command): Command {
  return cmd.option('-t, --team <team>', 'the team (needed when you are in several)');
}

function withRole(cmd: Command): Command {
  return cmd.option('-r, --role <role>', `${ROLES.join(', ')} (members:add default: member)`);
}

/** A role the API knows; Invalid with the list otherwise (before any call). */
function role(text: string): TeamRole {
  if (!(ROLES as readonly string[]).includes(text)) throw new PlatformError('Invalid', `"${text}" is not a role`, `use one of ${ROLES.join(', ')}`);
  return text as TeamRole;
}

/** The client and the team: `--team`, else the caller's only team. */
async function teamTarget(ctx: CliContext, opts: { team?: string }): Promise<{ api: PlatformClient; team: string }> {
  const api = await ctx.platform();
  if (opts.team) return { api, team: opts.team };
  const mine = (await api.json<TeamInfo[]>('GET', '/teams')).filter((t) => t.role !== null);
  if (mine.length !== 1) throw new PlatformError('Invalid', mine.length ? 'you are in several teams' : 'you are in no team', 'name one with --team TEAM');
  return { api, team: mine[0].name };
}

/** `teams`: name, the caller's role, age. */
function teamsTable(teams: TeamInfo[], now = Date.now()): string {
  if (!teams.length) return 'No teams: an admin adds you to one with `tspaas members:add EMAIL --team TEAM`\n';
  return table(['NAME', 'ROLE', 'CREATED'], teams.map((t) => [t.name, t.role ?? '(admin)', timeAgo(t.createdAt, now)]));
}
