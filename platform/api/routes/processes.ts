/**
 * Builds, formation, processes, restarts, logs and detached one-offs.
 */
import { conflict, invalid } from '../../../lib/errors.js';
import { audit } from '../../control/audit.js';
import { effectiveFormation } from '../../control/formation.js';
import { currentRelease } from '../../store/releases.js';
import { startOneOff } from '../../control/one-offs.js';
import { listPlans, requestSize } from '../../control/plans.js';
import { restartApp, scaleApp } from '../../control/processes.js';
import { getAppBuild, listBuilds } from '../../store/builds.js';
import type { Restart, RunDetached, Scale } from '../types.js';
import { appOf, callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { clientGone, sendNdjson } from '../stream.js';
import { readBody } from '../validate.js';

/** Register the process routes on the /v1 router. */
export function processRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/apps/:app/builds', async (ctx) => { ctx.body = await listBuilds(deps.db, (await appOf(ctx, deps)).id); });
  // Issue 14 part P: one build, failed ones with their reason (`error`).
  router.get('/apps/:app/builds/:id', async (ctx) => { ctx.body = await getAppBuild(deps.db, (await appOf(ctx, deps)).id, ctx.params.id!); });
  router.get('/apps/:app/formation', async (ctx) => {
    ctx.body = await effectiveFormation(deps.db, await appOf(ctx, deps), deps.config.plans);
  });
  router.get('/plans', async (ctx) => { ctx.body = await listPlans(deps); });
  router.patch('/apps/:app/formation', async (ctx) => {
    const app = await appOf(ctx, deps);
    const { updates } = await readBody<Scale>(ctx.req, 'Scale');
    ctx.body = await scaleApp(deps, callerOf(ctx), app, updates);
  });
  router.get('/apps/:app/processes', async (ctx) => { ctx.body = await deps.scheduler.listProcesses(await appOf(ctx, deps)); });
  router.post('/apps/:app/processes/restart', async (ctx) => {
    const app = await appOf(ctx, deps);
    const { target } = await readBody<Restart>(ctx.req, 'Restart');
    await restartApp(deps, callerOf(ctx), app, target);
    ctx.status = 202;
    ctx.body = { queued: true };
  });
  router.get('/apps/:app/logs', async (ctx) => {
    const app = await appOf(ctx, deps);
    const tail = queryText(ctx.query.tail);
    if (tail !== undefined && !/^[0-9]{1,6}$/.test(tail)) throw invalid('tail must be a number of lines');
    const type = queryText(ctx.query.ps);
    if (type !== undefined && !/^[a-z][a-z0-9_-]{0,29}(\.[0-9]+)?$/.test(type)) throw invalid('ps must be a type (web) or a process (web.1)');
    const follow = queryFlag(ctx.query.follow, 'follow');
    const signal = clientGone(ctx);
    sendNdjson(ctx, deps.scheduler.logs(app, { follow, tail: tail === undefined ? undefined : Number(tail), type, signal }));
  });
  router.get('/apps/:app/run', async (ctx) => {
    await appOf(ctx, deps);
    throw invalid('this endpoint takes a WebSocket (Upgrade: websocket); see RunMessage');
  });
  router.post('/apps/:app/run', async (ctx) => {
    const app = await appOf(ctx, deps);
    const body = await readBody<RunDetached>(ctx.req, 'RunDetached');
    const release = await currentRelease(deps.db, app.id);
    if (!release) throw conflict(`${app.name} has no running release yet: push first`);
    const size = body.size === undefined ? undefined : await requestSize(deps, callerOf(ctx), app, body.size, 'run.detached');
    const run = await startOneOff(deps, app, release, { command: body.command, env: body.env, tty: false, attach: false, size });
    await audit(deps.db, callerOf(ctx), app, 'run.detached', { name: run.name });
    ctx.status = 201;
    ctx.body = { name: run.name, containerId: run.containerId };
  });
}

/** A query parameter given once, as text. */
export function queryText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A 0/1 query flag (`follow`): absent or 0 is false; Invalid for anything but 0 and 1. */
export function queryFlag(value: string | string[] | undefined, name: string): boolean {
  const text = queryText(value);
  if (text === undefined || text === '0') return false;
  if (text === '1') return true;
  throw invalid(`${name} must be 0 or 1`);
}
