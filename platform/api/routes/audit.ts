/**
 * The audit log (issue 17, part 4): `GET /v1/audit?app=&team=&since=&limit=`.
 */
import { auditFilterOf, listAudit } from '../../control/audit.js';
import { callerOf, type ApiDeps, type ApiRouter } from '../context.js';
import { queryText } from './processes.js';

/** Register the audit route on the /v1 router. */
export function auditRoutes(router: ApiRouter, deps: ApiDeps): void {
  router.get('/audit', async (ctx) => {
    const q = (name: string) => queryText(ctx.query[name]);
    const filter = auditFilterOf({ app: q('app'), team: q('team'), since: q('since'), limit: q('limit') });
    ctx.body = await listAudit(deps.db, callerOf(ctx), filter);
  });
}
