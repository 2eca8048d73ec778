/**
 * The `Builder` (platform/types.ts): a source tar in, a tagged image out.
 * Strategies are tried in order and the first that applies builds:
 *
 *   dockerfile   a `Dockerfile` at the source's root → the engine's Dockerfile
 *                builder. Process types come from a root Procfile when there
 *                is one, else `web: ""`, meaning "the image's own command"
 *                (the scheduler runs the image's ENTRYPOINT/CMD for "").
 *                Config vars are not given to Dockerfile builds (Heroku's
 *                rule for Docker builds).
 *   buildpacks   everything else → the classic buildpack runner with a cache
 *                per app under `cacheRoot`, config vars as the build's env.
 *
 * Either way the process types also carry `release` (the release-phase
 * command) when the Procfile names one, and app.json is read from the root,
 * and the build runs on the app's own build network (network.ts): RUN
 * steps, ADD downloads, the buildpack build container and its buildpack
 * downloads reach the outside through NAT, nothing of other apps or of the
 * host. Buildpack references are bundled names or https:// URLs only (no
 * `allowLocal`: nothing a tenant names is read or fetched by this host).
 * Builds are scoped by the app's ID (`app-<app id>`; runtime/build/types.ts,
 * "Scopes"): a cache hit hands over what an earlier RUN produced, so the
 * cache is the app's own (no entry shared with, or probed by, another app);
 * every image either strategy writes carries the scope label, so no other
 * app's build can start FROM it (nor from any image by ID or ID prefix).
 * `erase` removes the scope with the rest of what the app's builds left.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { internal, isKind, TspaasError, unavailable } from '../../lib/errors.js';
import type { Engine } from '../../runtime/types.js';
import { BUILD_SCOPE_LABEL } from '../../runtime/build/types.js';
import { buildApp } from '../../buildpacks/build.js';
import { parseProcfile } from '../../buildpacks/procfile.js';
import type { BuildLimits } from '../../buildpacks/types.js';
import type { DownloadStore } from '../../buildpacks/downloads.js';
import { planLimits } from '../plans.js';
import type { App, AppJson, Builder, Plan } from '../types.js';
import { appDiskUsage } from './disk-usage.js';
import { ensureBuildNetwork, removeBuildNetwork } from './network.js';
import { inspectSource, parseAppJson, type SourceInfo } from './source.js';
import { renderBuildEvent } from './render.js';
import { teamUserns } from '../userns.js';

type BuildRequest = Parameters<Builder['build']>[0];
type BuildOutcome = Awaited<ReturnType<Builder['build']>>;

interface Strategy {
  name: 'dockerfile' | 'buildpacks';
  applies(info: SourceInfo): boolean;
  run(req: BuildRequest, tag: string, network: string, onLine: (line: string) => void, info: SourceInfo): Promise<Record<string, string>>;
}

export interface BuilderOptions {
  /** Per-app buildpack caches: `<cacheRoot>/<app>`. */
  cacheRoot: string;
  /** CA bundle given to buildpack build containers (default the host's). */
  caFile?: string;
  /** Bounds of build containers, Dockerfile steps and buildpacks alike (the build plan); absent = the engine's and buildpacks' own defaults. */
  plan?: Plan;
  /**
   * Issue 14 part S: the host-wide download store of buildpack builds (buildpacks/downloads.ts), e.g.
   * `<data>/downloads` next to the caches: read-only in every build container, filled by the host with
   * what builds downloaded and verified. Absent = none (each app's cache downloads for itself).
   */
  downloads?: DownloadStore;
}

/** The image tag of a build: `tspaas/<app>:build-<first 8 of the build id>`. */
export function imageTag(appName: string, buildId: string): string {
  return `tspaas/${appName}:build-${buildId.replace(/-/g, '').slice(0, 8)}`;
}

/** A Builder over `engine`: Dockerfile builds when the source has one at its root, else buildpacks. */
export function createBuilder(engine: Engine, opts: BuilderOptions): Builder {
  const strategies: Strategy[] = [dockerfileStrategy(engine, opts), buildpackStrategy(engine, opts)];
  return {
    async build(req, onLine) {
      const info = await inspectSource(req.sourcePath);
      const appJson: AppJson | null = info.appJson === null ? null : parseAppJson(info.appJson);
      const strategy = strategies.find((s) => s.applies(info))!;
      const tag = imageTag(req.app.name, req.buildId);
      const network = await ensureBuildNetwork(engine, req.app);
      const processTypes = await strategy.run(req, tag, network, onLine, info).catch((err: unknown) => { throw asBuildError(err); });
      return { builder: strategy.name, image: tag, processTypes, appJson } satisfies BuildOutcome;
    },
    erase: (app) => eraseBuilds(engine, opts, app),
    diskUsage: (app) => appDiskUsage(engine, opts.cacheRoot, app, buildScope(app)),
  };
}

/** The engine build scope of an app's builds: its own cache, and the label of every image they write. */
export function buildScope(app: App): string {
  return `app-${app.id}`;
}

/** Images tagged `tspaas/<app>`, then the app's build scope (its cache and intermediate images), its buildpack cache and its build network. */
async function eraseBuilds(engine: Engine, opts: BuilderOptions, app: App): Promise<void> {
  const ofApp = async () => (await engine.images.list()).filter((i) => i.repoTags.some((t) => t.startsWith(`tspaas/${app.name}:`)));
  for (const image of await ofApp()) {
    await engine.removeImage(image.id, { force: true }).catch((err: unknown) => { if (!isKind(err, 'NotFound')) throw err; });
  }
  await engine.pruneBuildCache({ scope: buildScope(app) });
  await fsp.rm(path.join(opts.cacheRoot, app.name), { recursive: true, force: true });
  await removeBuildNetwork(engine, app);
  const left = await ofApp();
  if (left.length > 0) throw unavailable(`images of ${app.name} are still there: ${left.flatMap((i) => i.repoTags).join(', ')}`);
}

function dockerfileStrategy(engine: Engine, opts: BuilderOptions): Strategy {
  return {
    name: 'dockerfile',
    applies: (info) => info.hasDockerfile,
    async run(req, tag, network, onLine, info) {
      const procfile = info.procfile === null ? null : parseProcfile(info.procfile);
      onLine('-----> Building with the Dockerfile');
      const render = renderBuildEvent(onLine);
      const buildOpts = {
        tags: [tag], labels: { 'io.tspaas.app': req.app.name }, networkMode: network, scope: buildScope(req.app), userns: teamUserns(req.app),
        registryAuth: req.registryAuth, ...(opts.plan ? planLimits(opts.plan) : {}), // registryAuth: issue 14 part R (registry logins)
      };
      await engine.buildImage(createReadStream(req.sourcePath), buildOpts, render);
      const types: Record<string, string> = procfile && Object.keys(procfile.processTypes).length > 0 ? { ...procfile.processTypes } : { web: '' };
      return procfile?.release ? { ...types, release: procfile.release } : types;
    },
  };
}

function buildpackStrategy(engine: Engine, opts: BuilderOptions): Strategy {
  return {
    name: 'buildpacks',
    applies: () => true,
    async run(req, tag, network, onLine) {
      onLine('-----> Building with buildpacks');
      const result = await buildApp(engine, {
        source: createReadStream(req.sourcePath), tag, env: req.env, caFile: opts.caFile ?? '/etc/ssl/certs/ca-certificates.crt', network,
        labels: { [BUILD_SCOPE_LABEL]: buildScope(req.app) }, userns: teamUserns(req.app), limits: opts.plan ? buildpackLimits(opts.plan) : undefined,
        cacheDir: path.join(opts.cacheRoot, req.app.name), onOutput: onLine, onProgress: (p) => onLine(`       ${p.status}`),
        downloads: opts.downloads, // issue 14 part S
      });
      onLine(`-----> Process types: ${Object.keys(result.processTypes).join(', ') || '(none)'}`);
      return result.releaseCommand ? { ...result.processTypes, release: result.releaseCommand } : { ...result.processTypes };
    },
  };
}

/** The build plan as buildpacks' limits (their time limit stays their own). */
function buildpackLimits(plan: Plan): Partial<BuildLimits> {
  const l = planLimits(plan);
  return { memory: l.memory, pids: l.pidsLimit, nanoCpus: l.nanoCpus, cpuShares: l.cpuShares };
}

/** tspaas errors keep their kind and message (what the pusher sees); anything else is internal. */
function asBuildError(err: unknown): TspaasError {
  if (err instanceof TspaasError) return err;
  return internal(`build failed: ${(err as Error).message}`, err);
}
