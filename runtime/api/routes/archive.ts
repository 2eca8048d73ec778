/**
 * `docker cp`: HEAD stats a path, GET reads it as a tar, PUT extracts a tar
 * into a directory. The stat travels base64-encoded JSON in the
 * X-Docker-Container-Path-Stat header.
 */
import { pipeline } from 'node:stream/promises';
import type { PathStat } from '../../types.js';
import type { ApiCall, Route } from '../api-call.js';
import { requiredParam, sendStatus } from '../http/reply.js';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** The header value for a path stat. */
export function encodePathStat(s: PathStat): string {
  const json = { name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget };
  return Buffer.from(JSON.stringify(json)).toString('base64');
}

async function stat(call: ApiCall): Promise<void> {
  const s = await call.ctx.engine.statPath(call.params.id!, requiredParam(call.query, 'path'));
  call.res.writeHead(200, { [STAT_HEADER]: encodePathStat(s), 'Content-Type': 'application/json' }).end();
}

async function get(call: ApiCall): Promise<void> {
  const { stat: s, tar } = await call.ctx.engine.getArchive(call.params.id!, requiredParam(call.query, 'path'));
  call.res.writeHead(200, { [STAT_HEADER]: encodePathStat(s), 'Content-Type': 'application/x-tar' });
  await pipeline(tar, call.res);
}

async function put(call: ApiCall): Promise<void> {
  await call.ctx.engine.putArchive(call.params.id!, requiredParam(call.query, 'path'), call.req);
  sendStatus(call.res, 200);
}

export const archiveRoutes: Route[] = [
  { method: 'HEAD', path: '/containers/:id/archive', handler: stat },
  { method: 'GET', path: '/containers/:id/archive', handler: get },
  { method: 'PUT', path: '/containers/:id/archive', handler: put },
];
