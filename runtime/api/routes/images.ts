/**
 * Images in the local store: list, inspect, history, tag, remove, prune.
 * Image names contain slashes and colons, so `/images/{name}/…` routes match
 * a wildcard and the action is the last path segment.
 */
import { invalid, notFound } from '../../../lib/errors.js';
import type { Exchange, Handler, Route } from '../exchange.js';
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

async function list(ex: Exchange): Promise<void> {
  const all = await ex.ctx.engine.images.list();
  const images = filterImages(boolParam(ex.query, 'all') ? all : withoutIntermediate(all), parseFilters(ex.query.get('filters')));
  images.sort((a, b) => epochMs(b.created) - epochMs(a.created));
  sendJson(ex.res, 200, images.map(imageSummaryJson));
}

/** Without `all`, dockerd leaves out intermediate images: untagged ones that are another image's parent (build steps). */
function withoutIntermediate(images: Image[]): Image[] {
  const parents = new Set(images.map((i) => i.config.parent).filter(Boolean));
  return images.filter((i) => i.repoTags.length > 0 || !parents.has(i.id));
}

async function inspect(ex: Exchange, name: string): Promise<void> {
  sendJson(ex.res, 200, imageInspectJson(await ex.ctx.engine.images.get(name), ex.apiVersion));
}

async function history(ex: Exchange, name: string): Promise<void> {
  sendJson(ex.res, 200, imageHistoryJson(await ex.ctx.engine.images.get(name)));
}

async function tag(ex: Exchange, name: string): Promise<void> {
  const target = joinRepoTag(requiredParam(ex.query, 'repo'), ex.query.get('tag') || 'latest')!;
  await ex.ctx.engine.images.tag(name, target);
  sendStatus(ex.res, 201);
}

async function remove(ex: Exchange): Promise<void> {
  const result = await ex.ctx.engine.removeImage(imageName(ex), { force: boolParam(ex.query, 'force'), noPrune: boolParam(ex.query, 'noprune') });
  sendJson(ex.res, 200, [...result.untagged.map((t) => ({ Untagged: t })), ...result.deleted.map((d) => ({ Deleted: d }))] satisfies ImageDeleteResponseItem[]);
}

/** `image prune`: dangling images, or every unused one with `dangling=false`; `until`, `label`, `label!` narrow it. */
async function prune(ex: Exchange): Promise<void> {
  const { deleted, spaceReclaimed } = await ex.ctx.engine.pruneImages(imagePruneFilter(parseFilters(ex.query.get('filters'))));
  sendJson(ex.res, 200, { ImagesDeleted: deleted.map((d) => ({ Deleted: d })), SpaceReclaimed: spaceReclaimed } satisfies ImagePruneResponse);
}

type NamedHandler = (ex: Exchange, name: string) => Promise<void>;

/** Route `/images/{name}/{action}` by its last segment. */
function byAction(actions: Record<string, NamedHandler>): Handler {
  return async (ex) => {
    const rest = ex.params['*'] ?? '';
    const slash = rest.lastIndexOf('/');
    const action = actions[rest.slice(slash + 1)];
    if (slash <= 0 || !action) throw notFound('page not found');
    await action(ex, rest.slice(0, slash));
  };
}

function imageName(ex: Exchange): string {
  const name = ex.params['*'];
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
