/** Container lifecycle: create, list, inspect, start/stop/kill/restart, pause, rename, remove, prune, top. */
import { isKind, notFound } from '../../../lib/errors.js';
import type { Engine } from '../../types.js';
import type { CreateOptions } from '../../containers/types.js';
import type { ApiCall, Route } from '../api-call.js';
import { readJson } from '../http/body.js';
import { boolParam, intParam, requiredParam, sendJson, sendStatus } from '../http/reply.js';
import { toCreateOptions } from '../docker/container-create.js';
import { toContainerUpdate } from '../docker/container-update.js';
import { containerInspectJson, containerSummaryJson } from '../docker/container-json.js';
import { parseFilters, toListFilters } from '../docker/filters.js';
import type { NetworkIds } from '../docker/network-settings.js';
import { familiarRef } from '../docker/refs.js';
import { epochMs } from '../docker/time.js';
import { pruneFilter } from '../docker/prune-filters.js';
import type { ContainerCreateRequest, ContainerCreateResponse, ContainerPruneResponse, ContainerTopResponse, ContainerUpdateRequest, ContainerUpdateResponse } from '../docker/types.js';

async function create(call: ApiCall): Promise<void> {
  const opts = toCreateOptions(await readJson<ContainerCreateRequest>(call), call.query.get('name') ?? undefined);
  await requireImage(call.ctx.engine, opts);
  const c = await call.ctx.engine.createContainer(opts);
  sendJson(call.res, 201, { Id: c.record.id, Warnings: [] } satisfies ContainerCreateResponse);
}

/** A missing image is a 404 worded as dockerd words it: the docker CLI then pulls and retries. */
async function requireImage(engine: Engine, opts: CreateOptions): Promise<void> {
  try {
    await engine.images.get(opts.image);
  } catch (err) {
    if (isKind(err, 'NotFound')) throw notFound(`No such image: ${familiarRef(opts.image)}`, err);
    throw err;
  }
}

async function list(call: ApiCall): Promise<void> {
  const filters = toListFilters(parseFilters(call.query.get('filters')), boolParam(call.query, 'all'));
  const [found, ids] = await Promise.all([call.ctx.engine.listContainers(filters), networkIds(call.ctx.engine)]);
  const newestFirst = found.sort((a, b) => epochMs(b.record.created) - epochMs(a.record.created));
  const limit = intParam(call.query, 'limit');
  const shown = limit && limit > 0 ? newestFirst.slice(0, limit) : newestFirst;
  const now = Date.now();
  sendJson(call.res, 200, shown.map((c) => containerSummaryJson(c, now, ids)));
}

async function inspect(call: ApiCall): Promise<void> {
  const [c, ids] = await Promise.all([call.ctx.engine.getContainer(call.params.id!), networkIds(call.ctx.engine)]);
  sendJson(call.res, 200, containerInspectJson(c, ids));
}

/** Network names → IDs, for the networks of containers that are not running. */
async function networkIds(engine: Engine): Promise<NetworkIds> {
  return new Map((await engine.listNetworks()).map((n) => [n.name, n.id]));
}

async function start(call: ApiCall): Promise<void> {
  await call.ctx.engine.startContainer(call.params.id!);
  sendStatus(call.res, 204);
}

async function stop(call: ApiCall): Promise<void> {
  await call.ctx.engine.stopContainer(call.params.id!, intParam(call.query, 't'));
  sendStatus(call.res, 204);
}

async function kill(call: ApiCall): Promise<void> {
  await call.ctx.engine.killContainer(call.params.id!, call.query.get('signal') || undefined);
  sendStatus(call.res, 204);
}

async function restart(call: ApiCall): Promise<void> {
  await call.ctx.engine.restartContainer(call.params.id!, intParam(call.query, 't'));
  sendStatus(call.res, 204);
}

/** Issue 16: `docker update`; Docker answers the warnings it has (none here: what cannot be applied is refused). */
async function update(call: ApiCall): Promise<void> {
  await call.ctx.engine.updateContainer(call.params.id!, toContainerUpdate(await readJson<ContainerUpdateRequest>(call)));
  sendJson(call.res, 200, { Warnings: [] } satisfies ContainerUpdateResponse);
}

async function remove(call: ApiCall): Promise<void> {
  await call.ctx.engine.removeContainer(call.params.id!, { force: boolParam(call.query, 'force'), volumes: boolParam(call.query, 'v') });
  sendStatus(call.res, 204);
}

/** `DELETE /containers/<name>/<alias>?link=1` (`docker rm --link`): the link goes, the containers stay. */
async function removeLinkRoute(call: ApiCall): Promise<void> {
  if (!boolParam(call.query, 'link')) throw notFound(`No such container: ${call.params.id}/${call.params.alias}`);
  await call.ctx.engine.removeLink(call.params.id!, call.params.alias!);
  sendStatus(call.res, 204);
}

async function pause(call: ApiCall): Promise<void> {
  await call.ctx.engine.pauseContainer(call.params.id!);
  sendStatus(call.res, 204);
}

async function unpause(call: ApiCall): Promise<void> {
  await call.ctx.engine.unpauseContainer(call.params.id!);
  sendStatus(call.res, 204);
}

async function rename(call: ApiCall): Promise<void> {
  await call.ctx.engine.renameContainer(call.params.id!, requiredParam(call.query, 'name').replace(/^\//, ''));
  sendStatus(call.res, 204);
}

async function prune(call: ApiCall): Promise<void> {
  const { deleted, spaceReclaimed } = await call.ctx.engine.pruneContainers(pruneFilter(parseFilters(call.query.get('filters'))));
  sendJson(call.res, 200, { ContainersDeleted: deleted, SpaceReclaimed: spaceReclaimed } satisfies ContainerPruneResponse);
}

async function top(call: ApiCall): Promise<void> {
  const result = await call.ctx.engine.topContainer(call.params.id!, call.query.get('ps_args') || undefined);
  sendJson(call.res, 200, { Titles: result.titles, Processes: result.processes } satisfies ContainerTopResponse);
}

export const containerRoutes: Route[] = [
  { method: 'POST', path: '/containers/create', handler: create },
  { method: 'GET', path: '/containers/json', handler: list },
  { method: 'POST', path: '/containers/prune', handler: prune },
  { method: 'GET', path: '/containers/:id/json', handler: inspect },
  { method: 'POST', path: '/containers/:id/start', handler: start },
  { method: 'POST', path: '/containers/:id/stop', handler: stop },
  { method: 'POST', path: '/containers/:id/kill', handler: kill },
  { method: 'POST', path: '/containers/:id/restart', handler: restart },
  { method: 'POST', path: '/containers/:id/update', handler: update }, // issue 16
  { method: 'POST', path: '/containers/:id/pause', handler: pause },
  { method: 'POST', path: '/containers/:id/unpause', handler: unpause },
  { method: 'POST', path: '/containers/:id/rename', handler: rename },
  { method: 'DELETE', path: '/containers/:id', handler: remove },
  { method: 'DELETE', path: '/containers/:id/:alias', handler: removeLinkRoute },
  { method: 'GET', path: '/containers/:id/top', handler: top },
];
