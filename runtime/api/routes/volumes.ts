/** Named volumes: list, create, inspect, remove, prune. */
import { notFound } from '../../../lib/errors.js';
import type { Exchange, Route } from '../exchange.js';
import { readJson } from '../http/body.js';
import { boolParam, sendJson, sendStatus } from '../http/reply.js';
import { hasLabel } from '../../../lib/labels.js';
import { parseFilters, checkFilterNames } from '../docker/filters.js';
import { volumeJson } from '../docker/volume-json.js';
import { volumePruneFilter } from '../docker/prune-filters.js';
import type { VolumeListResponse, VolumePruneResponse } from '../docker/types.js';

interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  Labels?: Record<string, string> | null;
  DriverOpts?: Record<string, string> | null;
}

async function list(ex: Exchange): Promise<void> {
  const f = parseFilters(ex.query.get('filters'));
  checkFilterNames(f, ['name', 'label']);
  const volumes = (await ex.ctx.engine.listVolumes()).filter((v) =>
    (!f.name?.length || f.name.some((n) => v.name.includes(n))) && (f.label ?? []).every((l) => hasLabel(v.labels, l)));
  sendJson(ex.res, 200, { Volumes: volumes.map(volumeJson), Warnings: null } satisfies VolumeListResponse);
}

async function create(ex: Exchange): Promise<void> {
  const body = (await readJson<VolumeCreateBody>(ex)) ?? {};
  // dockerd's answer for a driver no plugin provides (404; docker-py's test_create_volume_invalid_driver).
  if (body.Driver && body.Driver !== 'local') throw notFound(`error looking up volume plugin ${body.Driver}: plugin "${body.Driver}" not found; only "local" is available`);
  const v = await ex.ctx.engine.createVolume(body.Name || undefined, body.Labels ?? undefined, body.DriverOpts ?? undefined);
  sendJson(ex.res, 201, volumeJson(v));
}

async function inspect(ex: Exchange): Promise<void> {
  sendJson(ex.res, 200, volumeJson(await ex.ctx.engine.inspectVolume(ex.params.name!)));
}

async function remove(ex: Exchange): Promise<void> {
  await ex.ctx.engine.removeVolume(ex.params.name!, boolParam(ex.query, 'force'));
  sendStatus(ex.res, 204);
}

async function prune(ex: Exchange): Promise<void> {
  const { deleted, spaceReclaimed } = await ex.ctx.engine.pruneVolumes(volumePruneFilter(parseFilters(ex.query.get('filters'))));
  sendJson(ex.res, 200, { VolumesDeleted: deleted, SpaceReclaimed: spaceReclaimed } satisfies VolumePruneResponse);
}

export const volumeRoutes: Route[] = [
  { method: 'GET', path: '/volumes', handler: list },
  { method: 'POST', path: '/volumes/create', handler: create },
  { method: 'POST', path: '/volumes/prune', handler: prune },
  { method: 'GET', path: '/volumes/:name', handler: inspect },
  { method: 'DELETE', path: '/volumes/:name', handler: remove },
];
