/** `/_ping`, `/version`, `/info`, `/events`. */
import type { ApiCall, Route } from '../api-call.js';
import { sendJson, startStream } from '../http/reply.js';
import { API_VERSION } from '../http/version.js';
import { eventJson, eventMatcher } from '../docker/event-json.js';
import { parseFilters } from '../docker/filters.js';
import { infoJson, versionJson } from '../docker/system-json.js';
import { parseTimestampParam } from '../docker/time.js';
import type { SystemDataUsageResponse } from '../docker/types.js';

async function ping(call: ApiCall): Promise<void> {
  call.res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'API-Version': API_VERSION,
    'Docker-Experimental': 'false',
    // "1" = the classic builder: the docker CLI then uses POST /build instead of BuildKit (no DOCKER_BUILDKIT=0 needed).
    'Builder-Version': '1',
    Ostype: 'linux',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
  });
  call.res.end(call.req.method === 'HEAD' ? undefined : 'OK');
}

async function version(call: ApiCall): Promise<void> {
  sendJson(call.res, 200, versionJson(await call.ctx.engine.info(), call.ctx.version));
}

async function info(call: ApiCall): Promise<void> {
  sendJson(call.res, 200, infoJson(await call.ctx.engine.info(), call.ctx.version));
}

async function events(call: ApiCall): Promise<void> {
  const since = parseTimestampParam(call.query.get('since'), 'since');
  const until = parseTimestampParam(call.query.get('until'), 'until');
  const match = eventMatcher(parseFilters(call.query.get('filters')));
  startStream(call.res, 'application/json');
  const stop = call.ctx.events.subscribe(
    { since, until, match },
    (e) => call.res.write(`${JSON.stringify(eventJson(e))}\n`),
    () => call.res.end(),
  );
  call.res.once('close', stop);
}

/** `GET /system/df` is enough for `docker system df` to print totals. */
async function diskUsage(call: ApiCall): Promise<void> {
  const { engine } = call.ctx;
  const [images, containers, volumes] = await Promise.all([engine.images.list(), engine.listContainers({ all: true }), engine.listVolumes()]);
  sendJson(call.res, 200, {
    LayersSize: images.reduce((n, i) => n + i.size, 0),
    Images: images.map((i) => ({ Id: i.id, RepoTags: i.repoTags, Size: i.size, SharedSize: -1, Containers: -1, Created: 0 })),
    Containers: containers.map((c) => ({ Id: c.record.id, Names: [`/${c.record.name}`], Image: c.record.imageRef, State: c.state.status })),
    Volumes: volumes.map((v) => ({ Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, UsageData: { Size: -1, RefCount: -1 } })),
    BuildCache: [],
  } satisfies SystemDataUsageResponse);
}

export const systemRoutes: Route[] = [
  { method: 'GET', path: '/_ping', handler: ping },
  { method: 'HEAD', path: '/_ping', handler: ping },
  { method: 'GET', path: '/version', handler: version },
  { method: 'GET', path: '/info', handler: info },
  { method: 'GET', path: '/events', handler: events },
  { method: 'GET', path: '/system/df', handler: diskUsage },
];
