/**
 * Images in the local store: list, inspect, history, tag, remove, prune.
 * Image names contain slashes and colons, so `/images/{name}/…` routes match
 * a wildcard and the action is the last path segment.
 */
import { invalid, notFound } from '../../../lib/errors.js';
import type { ApiCall, Handler, Route } from '../api-call.js';
import { boolParam, requiredParam, sendJson, sendStatus } from '../http/reply.js';
import { filterImages, parseFilters } from '../docker/filters.js';
import { imageHistoryJson, imageInspectJson, imageSummaryJson } from '../docker/image-json.js';
import { joinRepoTag } from '../docker/refs.js';
import { epochMs } from '../docker/time.js';
import { saveNamed } from './image-transfer.js';
import { imagePruneFilter } from '../docker/prune-filters.js';
import { push } from './registry.js';
import type { Image } from '../../images/types.js';
import type { ImageDeleteResponseItem, ImagePruneResponse } from '../docker/types.js';

async function list(call: ApiCall): Promise<void> {
  const all = await call.ctx.engine.images.list();
  const images = filterImages(boolParam(call.query, 'all') ? all : withoutIntermediate(all), parseFilters(call.query.get('filters')));
  images.sort((a, b) => epochMs(b.created) - epochMs(a.created));
  sendJson(call.res, 200, images.map(imageSummaryJson));
}

/** Without `all`, dockerd leaves out intermediate images: untagged ones that are another image's parent (build steps). */
function withoutIntermediate(images: Image[]): Image[] {
  const parents = new Set(images.map((i) => i.config.parent).filter(Boolean));
  return images.filter((i) => i.repoTags.length > 0 || !parents.has(i.id));
}

async function inspect(call: ApiCall, name: string): Promise<void> {
  sendJson(call.res, 200, imageInspectJson(await call.ctx.engine.images.get(name), call.apiVersion));
}

async function history(call: ApiCall, name: string): Promise<void> {
  sendJson(call.res, 200, imageHistoryJson(await call.ctx.engine.images.get(name)));
}

async function tag(call: ApiCall, name: string): Promise<void> {
  const target = joinRepoTag(requiredParam(call.query, 'repo'), call.query.get('tag') || 'latest')!;
  await call.ctx.engine.images.tag(name, target);
  sendStatus(call.res, 201);
}

async function remove(call: ApiCall): Promise<void> {
  const result = await call.ctx.engine.removeImage(imageName(call), { force: boolParam(call.query, 'force'), noPrune: boolParam(call.query, 'noprune') });
  sendJson(call.res, 200, [...result.untagged.map((t) => ({ Untagged: t })), ...result.deleted.map((d) => ({ Deleted: d }))] satisfies ImageDeleteResponseItem[]);
}

/** `image prune`: dangling images, or every unused one with `dangling=false`; `until`, `label`, `label!` narrow it. */
async function prune(call: ApiCall): Promise<void> {
  const { deleted, spaceReclaimed } = await call.ctx.engine.pruneImages(imagePruneFilter(parseFilters(call.query.get('filters'))));
  sendJson(call.res, 200, { ImagesDeleted: deleted.map((d) => ({ Deleted: d })), SpaceReclaimed: spaceReclaimed } satisfies ImagePruneResponse);
}

type NamedHandler = (call: ApiCall, name: string) => Promise<void>;

/** Route `/images/{name}/{action}` by its last segment. */
function byAction(actions: Record<string, NamedHandler>): Handler {
  return async (call) => {
    const rest = call.params['*'] ?? '';
    const slash = rest.lastIndexOf('/');
    const action = actions[rest.slice(slash + 1)];
    if (slash <= 0 || !action) throw notFound('page not found');
    await action(call, rest.slice(0, slash));
  };
}

function imageName(call: ApiCall): string {
  const name = call.params['*'];
  if (!name) throw invalid('no image name given');
  return name;
}

export const imageRoutes: Route[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'POST', path: '/images/prune', handler: prune },
  { method: 'GET', path: '/images/*', handler: byAction({ json: inspect, history, get: saveNamed }) },
  { method: 'POST', path: '/images/*', handler: byAction({ tag, push }) },
  { method: 'DELETE', path: '/images/*', handler: remove },
];
