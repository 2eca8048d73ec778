/**
 * `docker cp`: HEAD stats a path, GET reads it as a tar, PUT extracts a tar
 * into a directory. The stat travels base64-encoded JSON in the
 * X-Docker-Container-Path-Stat header.
 */
import { pipeline } from 'node:stream/promises';
import type { PathStat } from '../../types.js';
import type { Exchange, Route } from '../exchange.js';
import { requiredParam, sendStatus } from '../http/reply.js';

const STAT_HEADER = 'X-Docker-Container-Path-Stat';

/** The header value for a path stat. */
export function encodePathStat(s: PathStat): string {
  const json = { name: s.name, size: s.size, mode: s.mode, mtime: s.mtime, linkTarget: s.linkTarget };
  return Buffer.from(JSON.stringify(json)).toString('base64');
}

async function stat(ex: Exchange): Promise<void> {
  const s = await ex.ctx.engine.statPath(ex.params.id!, requiredParam(ex.query, 'path'));
  ex.res.writeHead(200, { [STAT_HEADER]: encodePathStat(s), 'Content-Type': 'application/json' }).end();
}

async function get(ex: Exchange): Promise<void> {
  const { stat: s, tar } = await ex.ctx.engine.getArchive(ex.params.id!, requiredParam(ex.query, 'path'));
  ex.res.writeHead(200, { [STAT_HEADER]: encodePathStat(s), 'Content-Type': 'application/x-tar' });
  await pipeline(tar, ex.res);
}

async function put(ex: Exchange): Promise<void> {
  await ex.ctx.engine.putArchive(ex.params.id!, requiredParam(ex.query, 'path'), ex.req);
  sendStatus(ex.res, 200);
}

export const archiveRoutes: Route[] = [
  { method: 'HEAD', path: '/containers/:id/archive', handler: stat },
  { method: 'GET', path: '/containers/:id/archive', handler: get },
  { method: 'PUT', path: '/containers/:id/archive', handler: put },
];
