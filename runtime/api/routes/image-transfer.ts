/** Images in and out of the store: pull (routes/registry.ts), import, load, save. */
import { invalid, isKind } from '../../../lib/errors.js';
import type { ApiCall, Route } from '../api-call.js';
import { applyChanges } from '../docker/changes.js';
import { joinRepoTag } from '../docker/refs.js';
import { JsonMessageStream } from '../streams/json-lines.js';
import { login, pull } from './registry.js';

/** `POST /images/create`: `fromImage` pulls, `fromSrc=-` imports the body. */
async function createImage(call: ApiCall): Promise<void> {
  const fromImage = call.query.get('fromImage');
  if (fromImage) return pull(call, joinRepoTag(fromImage, call.query.get('tag'))!);
  const fromSrc = call.query.get('fromSrc');
  if (fromSrc === '-') return importImage(call);
  if (fromSrc) throw invalid('importing from a URL is not supported: send the tar as the request body with fromSrc=-');
  throw invalid('either fromImage or fromSrc is required');
}

async function importImage(call: ApiCall): Promise<void> {
  const changes = applyChanges({}, call.query.getAll('changes'));
  const image = await call.ctx.engine.images.importRootfs(call.req, {
    tag: joinRepoTag(call.query.get('repo'), call.query.get('tag')),
    message: call.query.get('message') || undefined,
    changes: Object.keys(changes).length ? changes : undefined,
  });
  const out = new JsonMessageStream(call.res);
  out.write({ status: image.id });
  out.end();
}

/**
 * `POST /images/load`. As dockerd, a tar that cannot be loaded is reported
 * in-band (200, `errorDetail`): docker-py raises ImageLoadError from it and
 * the docker CLI prints it and exits 1. Nothing is loaded then.
 */
async function load(call: ApiCall): Promise<void> {
  const out = new JsonMessageStream(call.res);
  let loaded;
  try {
    loaded = await call.ctx.engine.images.load(call.req);
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
async function save(call: ApiCall): Promise<void> {
  await saveImages(call, call.query.getAll('names'));
}

/** `GET /images/{name}/get`. */
export async function saveNamed(call: ApiCall, name: string): Promise<void> {
  await saveImages(call, [name]);
}

/** Unknown names fail with 404 before the tar starts. */
async function saveImages(call: ApiCall, names: string[]): Promise<void> {
  if (names.length === 0) throw invalid('no images given: use ?names=');
  for (const n of names) await call.ctx.engine.images.get(n);
  call.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await call.ctx.engine.images.save(names, call.res);
  if (!call.res.writableEnded) call.res.end();
}

export const imageTransferRoutes: Route[] = [
  { method: 'POST', path: '/images/create', handler: createImage },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'GET', path: '/images/get', handler: save },
  { method: 'POST', path: '/auth', handler: login },
];
