/**
 * What a build needs to know about a source tar before it starts: whether a
 * Dockerfile sits at its root, and the root's app.json and Procfile (read
 * once, small files only).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { invalid } from '../../lib/errors.js';
import type { AppJson } from '../types.js';

/** Root files of a source tar that decide how it is built. */
export interface SourceInfo {
  hasDockerfile: boolean;
  /** app.json's text, when the root has one. */
  appJson: string | null;
  /** Procfile's text, when the root has one. */
  procfile: string | null;
}

const MAX_READ = 1024 * 1024;

/** Scan the tar at `file` for a root Dockerfile, app.json and Procfile. */
export async function inspectSource(file: string): Promise<SourceInfo> {
  const info: SourceInfo = { hasDockerfile: false, appJson: null, procfile: null };
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^(\.\/)+/, '');
    const regular = header.type === 'file' || header.type === 'contiguous-file';
    if (name === 'Dockerfile' && (regular || header.type === 'symlink')) info.hasDockerfile = true;
    const wanted = regular && (name === 'app.json' || name === 'Procfile') && header.size <= MAX_READ;
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => { if (wanted) chunks.push(c as Buffer); });
    stream.on('end', () => {
      if (name === 'app.json' && wanted) info.appJson = Buffer.concat(chunks).toString('utf8');
      if (name === 'Procfile' && wanted) info.procfile = Buffer.concat(chunks).toString('utf8');
      next();
    });
  });
  try {
    await pipeline(createReadStream(file), extract);
  } catch (err) {
    throw invalid(`the pushed source is not a readable tar: ${(err as Error).message}`, err);
  }
  return info;
}

/** Parse app.json's text; `Invalid` with a message the pusher can act on. */
export function parseAppJson(text: string): AppJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`app.json is not valid JSON: ${(err as Error).message}`, err);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('app.json must hold a JSON object');
  const json = value as Record<string, unknown>;
  checkObjectOf(json.healthchecks, 'healthchecks', (v) => Array.isArray(v) && v.every((c) => typeof c === 'object' && c !== null), 'a list of checks');
  checkObjectOf(json.formation, 'formation', (v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object');
  // Issue 14 part P: a quantity the first deploy would run must be one `tspaas scale` accepts.
  checkObjectOf(json.formation, 'formation', (v) => {
    const q = (v as { quantity?: unknown }).quantity;
    return q === undefined || (Number.isInteger(q) && (q as number) >= 0 && (q as number) <= 100);
  }, 'an object whose "quantity" is a whole number 0-100');
  return json as AppJson;
}

function checkObjectOf(value: unknown, field: string, ok: (v: unknown) => boolean, what: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`app.json "${field}" must be an object of process type → ${what}`);
  for (const [type, v] of Object.entries(value)) {
    if (!ok(v)) throw invalid(`app.json "${field}.${type}" must be ${what}`);
  }
}
