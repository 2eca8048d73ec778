/**
 * `POST /tspaas/buildpacks/build` (tspaas's own route, not Docker's): the
 * body is the app's source as a tar; `t` the tag, `buildpack` (repeatable)
 * explicit buildpacks, `env` (repeatable `KEY=value`) config vars, `network`
 * the build container's network. The answer streams JSON lines like
 * `POST /build`: `{"stream": "-----> …\n"}` per output line, then
 * `{"aux": result}`, or `{"error": …, "errorDetail": {"message": …}}`.
 * The builder is plugged in by the daemon (exchange.ts `SourceBuilder`).
 */
import type { Exchange, Route } from '../exchange.js';
import { startStream } from '../http/reply.js';
import { invalid, unavailable, TspaasError } from '../../../lib/errors.js';

async function buildFromSource(ex: Exchange): Promise<void> {
  const builder = ex.ctx.sourceBuilder;
  if (!builder) throw unavailable('this daemon has no buildpack builder');
  const tag = ex.query.get('t');
  if (!tag) throw invalid('the t parameter (image tag) is required');
  const env = Object.fromEntries(ex.query.getAll('env').map((kv) => [kv.slice(0, Math.max(0, kv.indexOf('='))), kv.slice(kv.indexOf('=') + 1)]).filter(([k]) => k));
  startStream(ex.res, 'application/json');
  const send = (obj: object) => ex.res.write(`${JSON.stringify(obj)}\n`);
  try {
    const result = await builder({ source: ex.req, tag, buildpacks: ex.query.getAll('buildpack'), env, network: ex.query.get('network') ?? undefined }, (line) => send({ stream: `${line}\n` }));
    send({ aux: result });
  } catch (err) {
    const message = err instanceof TspaasError ? err.message : 'internal error';
    if (!(err instanceof TspaasError)) ex.ctx.log.error({ err }, 'buildpack build failed');
    send({ error: message, errorDetail: { message } });
  }
  ex.res.end();
}

export const sourceBuildRoutes: Route[] = [
  { method: 'POST', path: '/tspaas/buildpacks/build', handler: buildFromSource },
];
