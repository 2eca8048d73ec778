/**
 * Apps, config, releases, rollback and the activity log.
 */
import * as apps from '../../control/apps.js';
import { appActivity } from '../../control/audit.js';
import { configAsSeenBy, patchConfig, readConfig, releaseAsSeenBy } from '../../control/config.js';
import { getReleaseByVersion, listReleases } from '../../store/releases.js';
import { rollbackApp } from '../../control/releases.js';
import { invalid } from '../../../lib/errors.js';
import type { ConfigPatch, CreateApp, Rollback } from '../types.js';
import { appOf, callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { readBody } from '../validate.js';

/** Register the app routes on the /v1 router. */
export function appRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/apps', async (ctx) => { ctx.body = await apps.listAppInfos(deps, callerOf(ctx)); });
  router.post('/apps', async (ctx) => {
    const body = await readBody<CreateApp>(ctx.req, 'CreateApp');
    ctx.body = await apps.describeApp(deps, await apps.createApp(deps, callerOf(ctx), body));
    ctx.status = 201;
  });
  router.get('/apps/:app', async (ctx) => { ctx.body = await apps.describeApp(deps, await appOf(ctx, deps)); });
  router.delete('/apps/:app', async (ctx) => {
    const app = await appOf(ctx, deps);
    await apps.destroyApp(deps, callerOf(ctx), app, typeof ctx.query.confirm === 'string' ? ctx.query.confirm : undefined);
    ctx.status = 204;
  });
  router.get('/apps/:app/config', async (ctx) => {
    const app = await appOf(ctx, deps);
    ctx.body = configAsSeenBy(callerOf(ctx), app, await readConfig(deps, app));
  });
  router.patch('/apps/:app/config', async (ctx) => {
    const app = await appOf(ctx, deps);
    ctx.body = await patchConfig(deps, callerOf(ctx), app, await readBody<ConfigPatch>(ctx.req, 'ConfigPatch'));
  });
  router.get('/apps/:app/releases', async (ctx) => {
    const app = await appOf(ctx, deps);
    ctx.body = (await listReleases(deps.db, app.id)).map((r) => releaseAsSeenBy(callerOf(ctx), app, r));
  });
  router.get('/apps/:app/releases/:version', async (ctx) => {
    const app = await appOf(ctx, deps);
    ctx.body = releaseAsSeenBy(callerOf(ctx), app, await getReleaseByVersion(deps.db, app.id, parseVersion(ctx.params.version)));
  });
  router.post('/apps/:app/rollback', async (ctx) => {
    const app = await appOf(ctx, deps);
    const body = await readBody<Rollback>(ctx.req, 'Rollback');
    ctx.body = await rollbackApp(deps, callerOf(ctx), app, body.version);
    ctx.status = 201;
  });
  router.get('/apps/:app/activity', async (ctx) => { ctx.body = await appActivity(deps.db, await appOf(ctx, deps)); });
}

/** `3` or `v3` → 3; Invalid otherwise. */
export function parseVersion(text: string): number {
  const m = /^v?([1-9][0-9]{0,8})$/.exec(text);
  if (!m) throw invalid(`${text} is not a release version (like v3)`);
  return Number(m[1]);
}
