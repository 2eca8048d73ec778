/**
 * `POST /build` (the classic builder's API: a tar body, Docker's query, a
 * JSON message stream of `{"stream": "Step 1/7 : FROM busybox\n"}` lines,
 * `{"aux": {"ID": …}}`, and in-band errors) and `POST /build/prune`.
 */
import { invalid } from '../../../lib/errors.js';
import { StepCommandFailed, type BuildEvent, type BuildOptions } from '../../build/types.js';
import { parseExtraHost } from '../docker/container-network.js';
import type { ApiCall, Route } from '../api-call.js';
import { sendJson } from '../http/reply.js';
import { familiarRef } from '../docker/refs.js';
import { registryConfigHeader } from '../docker/registry-auth.js';
import { JsonMessageStream } from '../streams/json-lines.js';
import type { BuildCachePruneResponse } from '../docker/types.js';

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** A build event as the classic builder prints it (null: nothing to print). */
export function buildEventJson(e: BuildEvent): object | null {
  switch (e.kind) {
    case 'step': return { stream: `Step ${e.step}/${e.total} : ${e.instruction}\n` };
    case 'cached': return { stream: ' ---> Using cache\n' };
    case 'container': return { stream: ` ---> Running in ${short(e.id)}\n` };
    // The classic builder colours what a step writes to stderr bright red (ESC[91m … ESC[0m).
    case 'output': return { stream: e.stream === 'stderr' ? `\x1b[91m${e.data.toString('utf8')}\x1b[0m` : e.data.toString('utf8') };
    case 'removed': return { stream: ` ---> Removed intermediate container ${short(e.id)}\n` };
    case 'image': return { stream: ` ---> ${short(e.id)}\n` };
    case 'progress': return { status: e.progress.status, ...(e.progress.id ? { id: e.progress.id } : {}), progressDetail: {} };
    case 'built': return null;
    case 'tagged': return { stream: `Successfully tagged ${familiarRef(e.tag)}\n` };
  }
}

/** A query value holding JSON, parsed; undefined when absent or empty. */
function jsonQuery(call: ApiCall, name: string): unknown {
  const raw = call.query.get(name);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw invalid(`invalid ${name}: ${(err as Error).message}`, err);
  }
}

/** A JSON query value (`buildargs`, `labels`): an object of strings; null values are left out. */
function jsonMap(call: ApiCall, name: string): Record<string, string> | undefined {
  const parsed = jsonQuery(call, name);
  if (parsed === undefined) return undefined;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid(`invalid ${name}: want a JSON object`);
  return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

const flag = (call: ApiCall, name: string, dflt: boolean) => {
  const v = call.query.get(name);
  return v === null || v === '' ? dflt : v === '1' || v.toLowerCase() === 'true';
};

const int = (call: ApiCall, name: string) => Number(call.query.get(name) ?? 0) || 0;

/** `cachefrom`: a JSON array of image references. */
function jsonList(call: ApiCall, name: string): string[] | undefined {
  const parsed = jsonQuery(call, name);
  if (parsed === undefined) return undefined;
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string')) throw invalid(`invalid ${name}: want a JSON array of strings`);
  return parsed as string[];
}

/** `extrahosts`: `name:ip` entries, repeated or comma-separated. */
function extraHosts(call: ApiCall): string[] | undefined {
  const hosts = call.query.getAll('extrahosts').flatMap((v) => v.split(',')).filter(Boolean).map(parseExtraHost);
  return hosts.length > 0 ? hosts : undefined;
}

/** Docker's /build query → BuildOptions. */
export function buildOptions(call: ApiCall): BuildOptions {
  if (call.query.get('remote')) throw invalid('building from a remote URL is not supported: send the context as the request body');
  if (call.query.get('version') === '2') throw invalid('BuildKit is not supported by this engine: use the classic builder (DOCKER_BUILDKIT=0)');
  const quota = int(call, 'cpuquota');
  const period = int(call, 'cpuperiod') || 100_000;
  return {
    dockerfile: call.query.get('dockerfile') || undefined,
    tags: call.query.getAll('t').filter(Boolean),
    buildArgs: jsonMap(call, 'buildargs'),
    labels: jsonMap(call, 'labels'),
    target: call.query.get('target') || undefined,
    noCache: flag(call, 'nocache', false),
    rm: flag(call, 'rm', true),
    forceRm: flag(call, 'forcerm', false),
    memory: int(call, 'memory') || undefined,
    nanoCpus: quota > 0 ? Math.round((quota / period) * 1e9) : undefined,
    networkMode: call.query.get('networkmode') || undefined,
    extraHosts: extraHosts(call),
    cacheFrom: jsonList(call, 'cachefrom'),
    registryAuth: registryConfigHeader(call.req.headers['x-registry-config']),
  };
}

async function build(call: ApiCall): Promise<void> {
  const opts = buildOptions(call);
  const quiet = flag(call, 'q', false);
  const out = new JsonMessageStream(call.res);
  try {
    await call.ctx.engine.buildImage(call.req, opts, (e) => {
      const msg = quiet ? null : buildEventJson(e);
      if (msg) out.write(msg);
      if (e.kind === 'built') {
        out.write({ aux: { ID: e.id } });
        out.write({ stream: quiet ? `${e.id}\n` : `Successfully built ${short(e.id)}\n` });
      }
    });
  } catch (err) {
    if (!out.started) throw err;
    out.writeError(err, err instanceof StepCommandFailed ? err.exitCode : undefined);
  }
  out.end();
}

async function prune(call: ApiCall): Promise<void> {
  const { entries } = await call.ctx.engine.pruneBuildCache();
  sendJson(call.res, 200, { CachesDeleted: [], SpaceReclaimed: 0, EntriesDeleted: entries } satisfies BuildCachePruneResponse);
}

export const buildRoutes: Route[] = [
  { method: 'POST', path: '/build', handler: build },
  { method: 'POST', path: '/build/prune', handler: prune },
];
