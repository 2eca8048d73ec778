/**
 * `POST /tspaas/buildpacks/build` (tspaas's own route, not Docker's): the
 * body is the app's source as a tar; `t` the tag, `buildpack` (repeatable)
 * explicit buildpacks, `env` (repeatable `KEY=value`) config vars, `network`
 * the build container's network. The answer streams JSON lines like
 * `POST /build`: `{"stream": "-----> …\n"}` per output line, then
 * `{"aux": result}`, or `{"error": …, "errorDetail": {"message": …}}`.
 * The builder is plugged in by the daemon (api-call.ts `SourceBuilder`).
 */
import type { ApiCall, Route } from '../api-call.js';
import { startStream } from '../http/reply.js';
import { invalid, unavailable, TspaasError } from '../../../lib/errors.js';

async function buildFromSource(call: ApiCall): Promise<void> {
  const builder = call.ctx.sourceBuilder;
  if (!builder) throw unavailable('this daemon has no buildpack builder');
  const tag = call.query.get('t');
  if (!tag) throw invalid('the t parameter (image tag) is required');
  const env = Object.fromEntries(call.query.getAll('env').map((kv) => [kv.slice(0, Math.max(0, kv.indexOf('='))), kv.slice(kv.indexOf('=') + 1)]).filter(([k]) => k));
  startStream(call.res, 'application/json');
  const send = (obj: object) => call.res.write(`${JSON.stringify(obj)}\n`);
  try {
    const result = await builder({ source: call.req, tag, buildpacks: call.query.getAll('buildpack'), env, network: call.query.get('network') ?? undefined }, (line) => send({ stream: `${line}\n` }));
    send({ aux: result });
  } catch (err) {
    const message = err instanceof TspaasError ? err.message : 'internal error';
    if (!(err instanceof TspaasError)) call.ctx.log.error({ err }, 'buildpack build failed');
    send({ error: message, errorDetail: { message } });
  }
  call.res.end();
}

export const sourceBuildRoutes: Route[] = [
  { method: 'POST', path: '/tspaas/buildpacks/build', handler: buildFromSource },
];
