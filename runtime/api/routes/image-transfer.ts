/** Images in and out of the store: pull (routes/registry.ts), import, load, save. */
import { invalid, isKind } from '../../../lib/errors.js';
import type { Exchange, Route } from '../exchange.js';
import { applyChanges } from '../docker/changes.js';
import { joinRepoTag } from '../docker/refs.js';
import { JsonMessageStream } from '../streams/json-lines.js';
import { login, pull } from './registry.js';

/** `POST /images/create`: `fromImage` pulls, `fromSrc=-` imports the body. */
async function createImage(ex: Exchange): Promise<void> {
  const fromImage = ex.query.get('fromImage');
  if (fromImage) return pull(ex, joinRepoTag(fromImage, ex.query.get('tag'))!);
  const fromSrc = ex.query.get('fromSrc');
  if (fromSrc === '-') return importImage(ex);
  if (fromSrc) throw invalid('importing from a URL is not supported: send the tar as the request body with fromSrc=-');
  throw invalid('either fromImage or fromSrc is required');
}

async function importImage(ex: Exchange): Promise<void> {
  const changes = applyChanges({}, ex.query.getAll('changes'));
  const image = await ex.ctx.engine.images.importRootfs(ex.req, {
    tag: joinRepoTag(ex.query.get('repo'), ex.query.get('tag')),
    message: ex.query.get('message') || undefined,
    changes: Object.keys(changes).length ? changes : undefined,
  });
  const out = new JsonMessageStream(ex.res);
  out.write({ status: image.id });
  out.end();
}

/**
 * `POST /images/load`. As dockerd, a tar that cannot be loaded is reported
 * in-band (200, `errorDetail`): docker-py raises ImageLoadError from it and
 * the docker CLI prints it and exits 1. Nothing is loaded then.
 */
async function load(ex: Exchange): Promise<void> {
  const out = new JsonMessageStream(ex.res);
  let loaded;
  try {
    loaded = await ex.ctx.engine.images.load(ex.req);
  } catch (err) {
    if (!isKind(err, 'Invalid')) throw err;
    out.writeError(err);
    return out.end();
  }
  const { images, tags } = loaded;
  for (const tag of tags) out.write({ stream: `Loaded image: ${tag}\n` });
  for (const img of images) {
    if (!img.repoTags.some((t) => tags.includes(t))) out.write({ stream: `Loaded image ID: ${img.id}\n` });
  }
  out.end();
}

/** `GET /images/get?names=…`. */
async function save(ex: Exchange): Promise<void> {
  await saveImages(ex, ex.query.getAll('names'));
}

/** `GET /images/{name}/get`. */
export async function saveNamed(ex: Exchange, name: string): Promise<void> {
  await saveImages(ex, [name]);
}

/** Unknown names fail with 404 before the tar starts. */
async function saveImages(ex: Exchange, names: string[]): Promise<void> {
  if (names.length === 0) throw invalid('no images given: use ?names=');
  for (const n of names) await ex.ctx.engine.images.get(n);
  ex.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await ex.ctx.engine.images.save(names, ex.res);
  if (!ex.res.writableEnded) ex.res.end();
}

export const imageTransferRoutes: Route[] = [
  { method: 'POST', path: '/images/create', handler: createImage },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'GET', path: '/images/get', handler: save },
  { method: 'POST', path: '/auth', handler: login },
];
