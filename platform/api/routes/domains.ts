/**
 * Custom domains and certificates.
 */
import * as domains from '../../control/domains.js';
import { listDomains } from '../../store/domains.js';
import type { AddCert, AddDomain } from '../types.js';
import { appOf, callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { readBody } from '../validate.js';

/** Register the domain and certificate routes on the /v1 router. */
export function domainRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/apps/:app/domains', async (ctx) => { ctx.body = await listDomains(deps.db, (await appOf(ctx, deps)).id); });
  router.post('/apps/:app/domains', async (ctx) => {
    const app = await appOf(ctx, deps);
    const body = await readBody<AddDomain>(ctx.req, 'AddDomain');
    ctx.body = await domains.addDomain(deps.db, deps.config, callerOf(ctx), app, body.hostname);
    ctx.status = 201;
  });
  router.delete('/apps/:app/domains/:hostname', async (ctx) => {
    await domains.removeDomain(deps.db, callerOf(ctx), await appOf(ctx, deps), ctx.params.hostname);
    ctx.status = 204;
  });
  router.get('/apps/:app/certs', async (ctx) => { ctx.body = await domains.certificatesOf(deps.db, await appOf(ctx, deps)); });
  router.post('/apps/:app/certs', async (ctx) => {
    const app = await appOf(ctx, deps);
    const body = await readBody<AddCert>(ctx.req, 'AddCert');
    ctx.body = await domains.addCertificate(deps.db, deps.config.baseDomain, callerOf(ctx), app, body);
    ctx.status = 201;
  });
  router.delete('/apps/:app/certs/:name', async (ctx) => {
    await domains.removeCertificate(deps.db, callerOf(ctx), await appOf(ctx, deps), ctx.params.name);
    ctx.status = 204;
  });
}
