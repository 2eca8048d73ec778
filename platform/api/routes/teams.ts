/**
 * Teams and their members (issue 17, part 2): control/accounts.ts and
 * control/members.ts. Roles are checked by the route's declared role
 * (openapi.ts) and again by the operations, which the dashboard calls too.
 */
import * as accounts from '../../control/accounts.js';
import * as members from '../../control/members.js';
import type { AddMember, CreateTeam, SetRole } from '../types.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { readBody } from '../validate.js';

/** Register the team routes on the /v1 router. */
export function teamRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/teams', async (ctx) => { ctx.body = await accounts.teamsOf(deps.db, callerOf(ctx)); });
  router.post('/teams', async (ctx) => {
    const body = await readBody<CreateTeam>(ctx.req, 'CreateTeam');
    ctx.body = await accounts.createTeam(deps.db, callerOf(ctx), body.name, deps.config.teamQuota);
    ctx.status = 201;
  });
  router.delete('/teams/:team', async (ctx) => {
    await accounts.deleteTeam(deps.db, callerOf(ctx), ctx.params.team);
    ctx.status = 204;
  });
  router.get('/teams/:team/members', async (ctx) => { ctx.body = await members.membersOf(deps.db, callerOf(ctx), ctx.params.team); });
  router.post('/teams/:team/members', async (ctx) => {
    const body = await readBody<AddMember>(ctx.req, 'AddMember');
    ctx.body = await members.addMember(deps.db, callerOf(ctx), ctx.params.team, body);
  });
  router.patch('/teams/:team/members/:email', async (ctx) => {
    const { role } = await readBody<SetRole>(ctx.req, 'SetRole');
    ctx.body = await members.setMemberRole(deps.db, callerOf(ctx), ctx.params.team, ctx.params.email, role);
  });
  router.delete('/teams/:team/members/:email', async (ctx) => {
    await members.removeMember(deps.db, callerOf(ctx), ctx.params.team, ctx.params.email);
    ctx.status = 204;
  });
}
