/**
 * The buildpack runner as the daemon plugs it into the Engine API
 * (`POST /tspaas/buildpacks/build`, runtime/api/routes/source-build.ts):
 * each app (the tag's repository) keeps its cache under `cacheRoot`; build
 * containers trust the host's CA bundle (see BuildOptions.caFile). The Engine
 * API's socket is root's on this host, so its builds are the operator's and
 * may name local buildpacks (`allowLocal`).
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine } from '../runtime/types.js';
import { buildApp } from './build.js';
import type { BuildResult } from './types.js';

export interface BuildRequest {
  source: Readable;
  tag: string;
  buildpacks: string[];
  env: Record<string, string>;
  network?: string;
}

/** A builder for the API: one cache directory per repository name (`myapp:v2` → `<cacheRoot>/myapp`). */
export function buildpackBuilder(engine: Engine, cacheRoot: string, caFile = '/etc/ssl/certs/ca-certificates.crt'): (req: BuildRequest, onLine: (line: string) => void) => Promise<BuildResult> {
  return (req, onLine) => buildApp(engine, {
    source: req.source, tag: req.tag, caFile, buildpacks: req.buildpacks, env: req.env, network: req.network, allowLocal: true,
    cacheDir: path.join(cacheRoot, cacheName(req.tag)), onOutput: onLine,
    onProgress: (p) => onLine(`       ${p.status}`),
  });
}

/** `registry:5000/team/app:v1` → `registry_5000_team_app`. */
export function cacheName(tag: string): string {
  const repo = tag.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return repo.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_') || 'app';
}
