/** Named volumes: list, create, inspect, remove, prune. */
import { notFound } from '../../../lib/errors.js';
import type { ApiCall, Route } from '../api-call.js';
import { readJson } from '../http/body.js';
import { boolParam, sendJson, sendStatus } from '../http/reply.js';
import { hasLabel } from '../../../lib/labels.js';
import { parseFilters, checkFilterNames } from '../docker/filters.js';
import { volumeJson } from '../docker/volume-json.js';
import { volumePruneFilter } from '../docker/prune-filters.js';
import type { VolumeCreateOptions, VolumeListResponse, VolumePruneResponse } from '../docker/types.js';

async function list(call: ApiCall): Promise<void> {
  const f = parseFilters(call.query.get('filters'));
  checkFilterNames(f, ['name', 'label']);
  const volumes = (await call.ctx.engine.listVolumes()).filter((v) =>
    (!f.name?.length || f.name.some((n) => v.name.includes(n))) && (f.label ?? []).every((l) => hasLabel(v.labels, l)));
  sendJson(call.res, 200, { Volumes: volumes.map(volumeJson), Warnings: null } satisfies VolumeListResponse);
}

async function create(call: ApiCall): Promise<void> {
  const body = (await readJson<VolumeCreateOptions>(call)) ?? {};
  // dockerd's answer for a driver no plugin provides (404; docker-py's test_create_volume_invalid_driver).
  if (body.Driver && body.Driver !== 'local') throw notFound(`error looking up volume plugin ${body.Driver}: plugin "${body.Driver}" not found; only "local" is available`);
  const v = await call.ctx.engine.createVolume(body.Name || undefined, body.Labels ?? undefined, body.DriverOpts ?? undefined);
  sendJson(call.res, 201, volumeJson(v));
}

async function inspect(call: ApiCall): Promise<void> {
  sendJson(call.res, 200, volumeJson(await call.ctx.engine.inspectVolume(call.params.name!)));
}

async function remove(call: ApiCall): Promise<void> {
  await call.ctx.engine.removeVolume(call.params.name!, boolParam(call.query, 'force'));
  sendStatus(call.res, 204);
}

async function prune(call: ApiCall): Promise<void> {
  const { deleted, spaceReclaimed } = await call.ctx.engine.pruneVolumes(volumePruneFilter(parseFilters(call.query.get('filters'))));
  sendJson(call.res, 200, { VolumesDeleted: deleted, SpaceReclaimed: spaceReclaimed } satisfies VolumePruneResponse);
}

export const volumeRoutes: Route[] = [
  { method: 'GET', path: '/volumes', handler: list },
  { method: 'POST', path: '/volumes/create', handler: create },
  { method: 'POST', path: '/volumes/prune', handler: prune },
  { method: 'GET', path: '/volumes/:name', handler: inspect },
  { method: 'DELETE', path: '/volumes/:name', handler: remove },
];
