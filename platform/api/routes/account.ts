/**
 * Health, the OpenAPI document, whoami, status, teams, users and tokens.
 */
import { forbidden } from '../../../lib/errors.js';
import * as accounts from '../../control/accounts.js';
import type { AddMember, CreateTeam, CreateToken, CreateUser } from '../types.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { openApiDocument } from '../openapi.js';
import { readBody } from '../validate.js';

/** Register the account routes on the /v1 router. */
export function accountRoutes(router: ApiRouter, deps: ApiDeps): void {
  const doc = openApiDocument(deps.config.publicUrl, deps.api.version);
  router.get('/health', (ctx) => { ctx.body = { ok: true }; });
  router.get('/openapi.json', (ctx) => { ctx.body = doc; });
  router.get('/whoami', (ctx) => { ctx.body = callerOf(ctx).user; });
  router.get('/status', async (ctx) => {
    if (!callerOf(ctx).user.isAdmin) throw forbidden('only admins may see the platform status (it counts the jobs of every team)');
    ctx.body = { version: deps.api.version, jobs: await deps.jobs.status() };
  });
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
  router.post('/teams/:team/members', async (ctx) => {
    const body = await readBody<AddMember>(ctx.req, 'AddMember');
    ctx.body = await accounts.addMember(deps.db, callerOf(ctx), ctx.params.team, body);
  });
  router.get('/users', async (ctx) => { ctx.body = await accounts.allUsers(deps.db, callerOf(ctx)); });
  router.post('/users', async (ctx) => {
    const body = await readBody<CreateUser>(ctx.req, 'CreateUser');
    ctx.body = await accounts.createUser(deps.db, callerOf(ctx), body);
    ctx.status = 201;
  });
  router.delete('/users/:email', async (ctx) => {
    await accounts.deleteUser(deps.db, callerOf(ctx), ctx.params.email);
    ctx.status = 204;
  });
  router.post('/users/:email/tokens', async (ctx) => {
    const body = await readBody<CreateToken>(ctx.req, 'CreateToken');
    ctx.body = await accounts.createToken(deps.db, callerOf(ctx), ctx.params.email, body);
    ctx.status = 201;
  });
}
