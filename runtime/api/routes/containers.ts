/** Container lifecycle: create, list, inspect, start/stop/kill/restart, pause, rename, remove, prune, top. */
import { isKind, notFound } from '../../../lib/errors.js';
import type { Engine } from '../../types.js';
import type { CreateOptions } from '../../containers/types.js';
import type { Exchange, Route } from '../exchange.js';
import { readJson } from '../http/body.js';
import { boolParam, intParam, requiredParam, sendJson, sendStatus } from '../http/reply.js';
import { toCreateOptions, type DockerCreateBody } from '../docker/container-create.js';
import { toContainerUpdate, type DockerUpdateBody } from '../docker/container-update.js';
import { containerInspectJson, containerSummaryJson } from '../docker/container-json.js';
import { parseFilters, toListFilters } from '../docker/filters.js';
import type { NetworkIds } from '../docker/network-settings.js';
import { familiarRef } from '../docker/refs.js';
import { epochMs } from '../docker/time.js';
import { pruneFilter } from '../docker/prune-filters.js';
import type { ContainerCreateResponse, ContainerPruneResponse, ContainerTopResponse, ContainerUpdateResponse } from '../docker/types.js';

async function create(ex: Exchange): Promise<void> {
  const opts = toCreateOptions(await readJson<DockerCreateBody>(ex), ex.query.get('name') ?? undefined);
  await requireImage(ex.ctx.engine, opts);
  const c = await ex.ctx.engine.createContainer(opts);
  sendJson(ex.res, 201, { Id: c.record.id, Warnings: [] } satisfies ContainerCreateResponse);
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

async function list(ex: Exchange): Promise<void> {
  const filters = toListFilters(parseFilters(ex.query.get('filters')), boolParam(ex.query, 'all'));
  const [found, ids] = await Promise.all([ex.ctx.engine.listContainers(filters), networkIds(ex.ctx.engine)]);
  const newestFirst = found.sort((a, b) => epochMs(b.record.created) - epochMs(a.record.created));
  const limit = intParam(ex.query, 'limit');
  const shown = limit && limit > 0 ? newestFirst.slice(0, limit) : newestFirst;
  const now = Date.now();
  sendJson(ex.res, 200, shown.map((c) => containerSummaryJson(c, now, ids)));
}

async function inspect(ex: Exchange): Promise<void> {
  const [c, ids] = await Promise.all([ex.ctx.engine.getContainer(ex.params.id!), networkIds(ex.ctx.engine)]);
  sendJson(ex.res, 200, containerInspectJson(c, ids));
}

/** Network names → IDs, for the networks of containers that are not running. */
async function networkIds(engine: Engine): Promise<NetworkIds> {
  return new Map((await engine.listNetworks()).map((n) => [n.name, n.id]));
}

async function start(ex: Exchange): Promise<void> {
  await ex.ctx.engine.startContainer(ex.params.id!);
  sendStatus(ex.res, 204);
}

async function stop(ex: Exchange): Promise<void> {
  await ex.ctx.engine.stopContainer(ex.params.id!, intParam(ex.query, 't'));
  sendStatus(ex.res, 204);
}

async function kill(ex: Exchange): Promise<void> {
  await ex.ctx.engine.killContainer(ex.params.id!, ex.query.get('signal') || undefined);
  sendStatus(ex.res, 204);
}

async function restart(ex: Exchange): Promise<void> {
  await ex.ctx.engine.restartContainer(ex.params.id!, intParam(ex.query, 't'));
  sendStatus(ex.res, 204);
}

/** Issue 16: `docker update`; Docker answers the warnings it has (none here: what cannot be applied is refused). */
async function update(ex: Exchange): Promise<void> {
  await ex.ctx.engine.updateContainer(ex.params.id!, toContainerUpdate(await readJson<DockerUpdateBody>(ex)));
  sendJson(ex.res, 200, { Warnings: [] } satisfies ContainerUpdateResponse);
}

async function remove(ex: Exchange): Promise<void> {
  await ex.ctx.engine.removeContainer(ex.params.id!, { force: boolParam(ex.query, 'force'), volumes: boolParam(ex.query, 'v') });
  sendStatus(ex.res, 204);
}

/** `DELETE /containers/<name>/<alias>?link=1` (`docker rm --link`): the link goes, the containers stay. */
async function removeLinkRoute(ex: Exchange): Promise<void> {
  if (!boolParam(ex.query, 'link')) throw notFound(`No such container: ${ex.params.id}/${ex.params.alias}`);
  await ex.ctx.engine.removeLink(ex.params.id!, ex.params.alias!);
  sendStatus(ex.res, 204);
}

async function pause(ex: Exchange): Promise<void> {
  await ex.ctx.engine.pauseContainer(ex.params.id!);
  sendStatus(ex.res, 204);
}

async function unpause(ex: Exchange): Promise<void> {
  await ex.ctx.engine.unpauseContainer(ex.params.id!);
  sendStatus(ex.res, 204);
}

async function rename(ex: Exchange): Promise<void> {
  await ex.ctx.engine.renameContainer(ex.params.id!, requiredParam(ex.query, 'name').replace(/^\//, ''));
  sendStatus(ex.res, 204);
}

async function prune(ex: Exchange): Promise<void> {
  const { deleted, spaceReclaimed } = await ex.ctx.engine.pruneContainers(pruneFilter(parseFilters(ex.query.get('filters'))));
  sendJson(ex.res, 200, { ContainersDeleted: deleted, SpaceReclaimed: spaceReclaimed } satisfies ContainerPruneResponse);
}

async function top(ex: Exchange): Promise<void> {
  const result = await ex.ctx.engine.topContainer(ex.params.id!, ex.query.get('ps_args') || undefined);
  sendJson(ex.res, 200, { Titles: result.titles, Processes: result.processes } satisfies ContainerTopResponse);
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
