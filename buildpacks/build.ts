/**
 * `buildApp`: source → image, as an ordered list of named steps sharing one
 * state (see types.ts for the contract). Every step is small; the build
 * container and temporary clones are removed whatever happens, and the image
 * is written only by the last step, so a failure leaves no image.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../runtime/types.js';
import type { Image, Layer } from '../runtime/images/types.js';
import { invalid } from '../lib/errors.js';
import { BUILDPACKS_DIR, startBuildContainer, unpackSource } from './build-container.js';
import { parseLayerDeclarations, rememberLayers, storedLayers, type LayerDeclaration } from './layers.js';
import { fetchRemoteBuildpacks } from './fetch.js';
import { describePromotion, promoteDownloads } from './downloads.js';
import { compile, detectAll, readText, release, type PhaseContext } from './phases.js';
import { parseProcfile, type Procfile } from './procfile.js';
import { mergeReleases } from './release.js';
import { resolveBuildpacks } from './resolve.js';
import { readDotBuildpacks, selectBuildpacks } from './select.js';
import { storeLauncher, storeSlug, writeAppImage } from './slug.js';
import { ensureStacks, type Stacks } from './stacks/index.js';
import { step, detail, humanSize } from './style.js';
import type { BuildLimits, BuildOptions, BuildResult, ReleaseInfo, ResolvedBuildpack } from './types.js';

export const DEFAULT_LIMITS: BuildLimits = { timeoutMs: 15 * 60 * 1000, memory: 2 * 1024 ** 3, pids: 1024 };

/** Everything the steps share. */
interface BuildState {
  engine: Engine;
  opts: BuildOptions;
  limits: BuildLimits;
  started: number;
  phase: PhaseContext;
  cleanups: Array<() => Promise<unknown>>;
  cacheDir: string;
  sourceDir: string;
  stacks?: Stacks;
  candidates: ResolvedBuildpack[];
  mode: 'all' | 'first-detected';
  ran: Array<{ bp: ResolvedBuildpack; name: string }>;
  release?: ReleaseInfo;
  procfile?: Procfile;
  /** Cached layers still in the store (key → layer), and what the buildpacks declared this time. */
  cachedLayers: Map<string, Layer>;
  declared: LayerDeclaration[];
  reused: string[];
  layers: Layer[];
  image?: Image;
}

type BuildStep = (s: BuildState) => Promise<void>;

/** Build an app image from source with classic buildpacks. */
export async function buildApp(engine: Engine, opts: BuildOptions): Promise<BuildResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const started = Date.now();
  const out = opts.onOutput ?? (() => undefined);
  const s: BuildState = {
    engine, opts, limits, started, cleanups: [], cacheDir: opts.cacheDir ?? '', sourceDir: '', candidates: [], mode: 'all', ran: [], layers: [],
    cachedLayers: new Map(), declared: [], reused: [],
    phase: { engine, id: '', deadline: started + limits.timeoutMs, timeoutMs: limits.timeoutMs, out },
  };
  try {
    for (const run of buildSteps) await run(s);
  } finally {
    for (const c of s.cleanups.reverse()) await c().catch(() => undefined);
  }
  return resultOf(s);
}

const prepareCache: BuildStep = async (s) => {
  if (!s.cacheDir) {
    s.cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-cache-'));
    s.cleanups.push(() => fsp.rm(s.cacheDir, { recursive: true, force: true }));
  }
  await fsp.mkdir(s.cacheDir, { recursive: true });
};

const prepareStacks: BuildStep = async (s) => {
  s.stacks = await ensureStacks(s.engine, { onProgress: s.opts.onProgress });
};

const prepareSource: BuildStep = async (s) => {
  if (typeof s.opts.source === 'string') {
    s.sourceDir = s.opts.source;
    return;
  }
  const unpacked = await unpackSource(s.opts.source);
  s.cleanups.push(unpacked.cleanup);
  s.sourceDir = unpacked.dir;
};

const chooseBuildpacks: BuildStep = async (s) => {
  const dotBuildpacks = await readDotBuildpacks(s.sourceDir);
  const selection = selectBuildpacks({ explicit: s.opts.buildpacks ?? [], dotBuildpacks });
  const resolved = await resolveBuildpacks(selection.refs, { allowLocal: s.opts.allowLocal });
  s.cleanups.push(resolved.cleanup);
  s.candidates = resolved.buildpacks;
  s.mode = selection.mode;
};

const startContainer: BuildStep = async (s) => {
  const downloadsDir = s.opts.downloads?.dir;
  if (downloadsDir) await fsp.mkdir(downloadsDir, { recursive: true, mode: 0o755 });
  const spec = { image: s.stacks!.build, cacheDir: s.cacheDir, limits: s.limits, network: s.opts.network, caFile: s.opts.caFile, userns: s.opts.userns, downloadsDir };
  s.phase.id = await startBuildContainer(s.engine, spec, { sourceDir: s.sourceDir, env: s.opts.env ?? {}, buildpacks: s.candidates });
  s.cleanups.push(async () => {
    await s.engine.removeContainer(s.phase.id, { force: true });
    await handOverDownloads(s); // only once the container is gone: nothing of the tenant's runs to change its cache meanwhile
  });
  s.phase.deadline = Date.now() + s.limits.timeoutMs; // the limit is the buildpacks' time, not the stacks'
};

const fetchBuildpacks: BuildStep = (s) => fetchRemoteBuildpacks(s.phase, s.candidates);

const detectBuildpacks: BuildStep = async (s) => {
  const names = await detectAll(s.phase, s.candidates, s.mode === 'all' ? 'declined' : 'detected');
  for (const [i, name] of names.entries()) {
    const bp = s.candidates[i];
    if (name === null && s.mode === 'all') throw invalid(`App not compatible with buildpack ${bp.ref}: its bin/detect declined this app`);
    if (name !== null) s.ran.push({ bp, name });
  }
  if (s.ran.length === 0) {
    throw invalid(`No buildpack detected this app. Tried, in order: ${s.candidates.map((b) => b.ref).join(', ')}. `
      + 'Add a Procfile, or name buildpacks with --buildpack or a .buildpacks file.');
  }
};

const compileAll: BuildStep = async (s) => {
  s.cachedLayers = await storedLayers(s.engine, s.cacheDir);
  s.phase.compileEnv = [`TSPAAS_CACHED_LAYERS=${[...s.cachedLayers.keys()].join(' ')}`];
  for (const [i, { bp, name }] of s.ran.entries()) {
    s.phase.out(step(`${name} app detected`));
    await compile(s.phase, bp, s.ran.slice(0, i).map((r) => r.bp));
  }
};

const releaseAll: BuildStep = async (s) => {
  const all: ReleaseInfo[] = [];
  for (const { bp } of s.ran) all.push(await release(s.phase, bp));
  s.release = mergeReleases(all);
  for (const { bp } of s.ran) {
    const text = await readText(s.phase, ['cat', `${BUILDPACKS_DIR}/${bp.slug}/layers`]);
    if (text !== null) s.declared.push(...parseLayerDeclarations(text, bp.ref));
  }
  parseLayerDeclarations(s.declared.map((d) => `${d.key} ${d.path}`).join('\n'), 'the buildpacks'); // no overlaps across buildpacks either
  s.phase.out(step('Discovering process types'));
  const text = await readText(s.phase, ['cat', '/app/Procfile']);
  s.procfile = text === null ? { processTypes: {} } : parseProcfile(text);
  const types = Object.keys(processTypesOf(s));
  s.phase.out(detail(text === null
    ? `Default types for buildpack -> ${types.join(', ') || '(none)'}`
    : `Procfile declares types -> ${Object.keys(s.procfile.processTypes).join(', ') || '(none)'}`));
};

const packSlug: BuildStep = async (s) => {
  s.phase.out(step('Compressing...'));
  const stderr = (l: string) => s.phase.out(l);
  const used = new Map<string, Layer>();
  for (const d of s.declared) {
    const cached = s.cachedLayers.get(d.key);
    if (cached) s.reused.push(d.key);
    used.set(d.key, cached ?? await storeSlug(s.engine, s.phase.id, stderr, { paths: [`app/${d.path}`] }));
  }
  const slug = await storeSlug(s.engine, s.phase.id, stderr, { excludes: s.declared.map((d) => `app/${d.path}`) });
  s.layers = [await storeLauncher(s.engine), ...used.values(), slug];
  if (s.declared.length > 0) await rememberLayers(s.cacheDir, used);
  const reused = s.reused.length ? ` (${s.reused.length} of ${used.size + 1} layers unchanged: ${s.reused.join(', ')})` : '';
  s.phase.out(detail(`Done: ${humanSize(slugSize(s))}${reused}`));
};

const writeImage: BuildStep = async (s) => {
  s.phase.out(step('Launching...'));
  const runStack = await s.engine.images.get(s.stacks!.run);
  s.image = await writeAppImage(s.engine, runStack, s.layers, {
    tag: s.opts.tag, processTypes: processTypesOf(s), releaseCommand: s.procfile?.release,
    configVars: s.release?.configVars ?? {}, buildpacks: s.ran.map((r) => r.bp.ref), labels: s.opts.labels,
  });
  s.phase.out(detail(`Built ${s.opts.tag} (${s.image.id.slice(7, 19)}) in ${((Date.now() - s.started) / 1000).toFixed(1)} s`));
};

/** The steps of a build, in order. */
export const buildSteps: readonly BuildStep[] = [
  prepareCache, prepareSource, chooseBuildpacks, prepareStacks, startContainer, fetchBuildpacks, detectBuildpacks, compileAll, releaseAll, packSlug, writeImage,
];

/** The downloads the build verified (its cache's outbox) into the host's store, success or not; said in its output. */
async function handOverDownloads(s: BuildState): Promise<void> {
  if (!s.opts.downloads) return;
  const report = await promoteDownloads(s.cacheDir, s.opts.downloads).catch((err: Error) => ({ failed: err.message }));
  for (const line of describePromotion(report)) s.phase.out(line);
}

/** Procfile first, then the buildpacks' defaults for types it does not name. */
function processTypesOf(s: BuildState): Record<string, string> {
  return { ...(s.release?.defaultProcessTypes ?? {}), ...(s.procfile?.processTypes ?? {}) };
}

/** Bytes of the app's layers (everything but the launcher). */
function slugSize(s: BuildState): number {
  return s.layers.slice(1).reduce((n, l) => n + l.descriptor.size, 0); // slug layers are plain tars
}

function resultOf(s: BuildState): BuildResult {
  const slug = s.layers[s.layers.length - 1];
  return {
    imageId: s.image!.id, tag: s.opts.tag,
    buildpacks: s.ran.map((r) => ({ ref: r.bp.ref, name: r.name })),
    processTypes: processTypesOf(s), releaseCommand: s.procfile?.release, configVars: s.release?.configVars ?? {},
    slugSize: slugSize(s), slugDigest: slug.diffId, reusedLayers: s.reused, durationMs: Date.now() - s.started,
  };
}
