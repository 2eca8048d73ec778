/** A container's filesystem as a whole: diff, export, commit. */
import { pipeline } from 'node:stream/promises';
import type { ContainerConfig } from '../../images/types.js';
import type { ApiCall, Route } from '../api-call.js';
import { readJson } from '../http/body.js';
import { boolParam, requiredParam, sendJson } from '../http/reply.js';
import { commitConfigChanges } from '../docker/changes.js';
import { joinRepoTag } from '../docker/refs.js';
import type { FilesystemChange, IdResponse } from '../docker/types.js';

const CHANGE_KIND = { C: 0, A: 1, D: 2 } as const;

async function changes(call: ApiCall): Promise<void> {
  const list = await call.ctx.engine.diffContainer(call.params.id!);
  sendJson(call.res, 200, list.map((c): FilesystemChange => ({ Path: c.path, Kind: CHANGE_KIND[c.kind] })));
}

async function exportContainer(call: ApiCall): Promise<void> {
  const tar = await call.ctx.engine.exportContainer(call.params.id!);
  call.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await pipeline(tar, call.res);
}

async function commit(call: ApiCall): Promise<void> {
  const q = call.query;
  const body = await readJson<Partial<ContainerConfig>>(call);
  const c = await call.ctx.engine.getContainer(requiredParam(q, 'container'));
  const image = await call.ctx.engine.commitContainer(c.record.id, {
    tag: joinRepoTag(q.get('repo'), q.get('tag')),
    author: q.get('author') || undefined,
    message: q.get('comment') || undefined,
    changes: commitConfigChanges(c.record.config, body, q.getAll('changes')),
    pause: boolParam(q, 'pause', true),
  });
  sendJson(call.res, 201, { Id: image.id } satisfies IdResponse);
}

export const containerFsRoutes: Route[] = [
  { method: 'GET', path: '/containers/:id/changes', handler: changes },
  { method: 'GET', path: '/containers/:id/export', handler: exportContainer },
  { method: 'POST', path: '/commit', handler: commit },
];
