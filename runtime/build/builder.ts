/**
 * The build pipeline: open the context, parse, then for each stage up to the
 * target: FROM, its ONBUILD triggers, and its steps, each step planned,
 * looked up in the cache, made on a miss; finally tag. See types.ts for the
 * rules.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import { invalid, isKind } from '../../lib/errors.js';
import type { Image, ImageConfig, Layer } from '../images/types.js';
import { hostArchitecture } from '../images/platform.js';
import { BuildCache, cacheDir, cacheKey } from './cache.js';
import { openContext } from './context.js';
import { lookupIn, parseDockerfile, parseTrigger, processWord, splitWords, type Dockerfile, type Instruction, type Stage } from './dockerfile/index.js';
import { baseImage } from './gather.js';
import { scopedConfig } from './scope.js';
import { declareArg, PROXY_ARGS, type Build, type BuildDeps, type StageState } from './state.js';
import { STEPS, type Plan } from './steps/index.js';
import type { BuildOptions, OnBuildEvent } from './types.js';

/** Build `body` (a context tar) into an image; nothing is tagged unless every step succeeded. */
export async function buildImage(deps: BuildDeps, body: Readable, opts: BuildOptions, emit: OnBuildEvent): Promise<Image> {
  const cache = new BuildCache(cacheDir(path.join(deps.dir, 'cache'), opts.scope), deps.engine.images, deps.cacheDirs);
  const ctx = await openContext(body, path.join(deps.dir, 'tmp'), opts.dockerfile || 'Dockerfile');
  try {
    const dockerfile = parseDockerfile(ctx.dockerfile);
    const stages = withLabels(dockerfile.stages.slice(0, targetIndex(dockerfile, opts.target) + 1), opts.labels);
    const b: Build = {
      deps, opts, emit, ctx, dockerfile, cache,
      metaArgs: new Map(), stageImages: [], usedArgs: new Set(), step: 0,
      total: stages.reduce((n, s) => n + 1 + s.instructions.length, 0),
      cacheSources: opts.cacheFrom ? await cacheSources(deps, opts.cacheFrom) : undefined,
    };
    declareMetaArgs(b);
    let image: Image | undefined;
    for (const stage of stages) image = b.stageImages[stage.index] = await buildStage(b, stage);
    warnUnusedArgs(b);
    return await finish(b, image!);
  } finally {
    await ctx.close();
  }
}

function targetIndex(df: Dockerfile, target: string | undefined): number {
  if (!target) return df.stages.length - 1;
  const stage = df.stages.find((s) => s.name === target.toLowerCase());
  if (!stage) throw invalid(`failed to reach build target ${target} in Dockerfile`);
  return stage.index;
}

/** `--label`s become a LABEL step at the end of the last stage, as in the classic builder. */
function withLabels(stages: Stage[], labels: Record<string, string> | undefined): Stage[] {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return stages;
  const quote = (v: string) => `"${v.replace(/[\\"$]/g, '\\$&')}"`;
  const args = entries.map(([k, v]) => `${quote(k)}=${quote(v)}`).join(' ');
  const last = stages[stages.length - 1];
  const label: Instruction = { name: 'LABEL', line: 0, endLine: 0, original: `LABEL ${args}`, flags: {}, args, heredocs: [] };
  return [...stages.slice(0, -1), { ...last, instructions: [...last.instructions, label] }];
}

function declareMetaArgs(b: Build): void {
  for (const ins of b.dockerfile.metaArgs) {
    for (const w of splitWords(ins.args, b.dockerfile.escape)) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w : w.slice(0, eq);
      const dflt = eq < 0 ? undefined : processWord(w.slice(eq + 1), lookupIn(Object.fromEntries(b.metaArgs)), b.dockerfile.escape);
      b.metaArgs.set(name, declareArg(b, name, dflt));
    }
  }
}

async function buildStage(b: Build, stage: Stage): Promise<Image> {
  b.emit({ kind: 'step', step: ++b.step, total: b.total, instruction: stage.from.original });
  const ref = processWord(stage.from.args.split(/\s+/)[0], lookupIn(Object.fromEntries(b.metaArgs)), b.dockerfile.escape);
  const image = await fromImage(b, ref, stage.index);
  if (ref !== 'scratch') b.emit({ kind: 'image', id: image.id });
  const s: StageState = { stage, image, args: new Map(), cmdSet: false };
  await runTriggers(b, s);
  for (const ins of stage.instructions) {
    b.emit({ kind: 'step', step: ++b.step, total: b.total, instruction: ins.original });
    await runStep(b, s, ins);
  }
  return s.image;
}

/** FROM's image: `scratch`, an earlier stage, or an image (made or pulled when missing). */
async function fromImage(b: Build, ref: string, index: number): Promise<Image> {
  if (ref === 'scratch') return scratchImage(b);
  const stage = b.dockerfile.stages.slice(0, index).find((s) => s.name === ref.toLowerCase());
  return stage ? b.stageImages[stage.index] : baseImage(b, ref);
}

/** The empty image (no layers, no config): always the same ID. */
function scratchImage(b: Build): Promise<Image> {
  const config: ImageConfig = { architecture: hostArchitecture(), os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] };
  return b.deps.engine.images.writeImage(config, []);
}

/** ONBUILD triggers of the base image run first; the stage's image no longer carries them. */
async function runTriggers(b: Build, s: StageState): Promise<void> {
  const triggers = s.image.config.config?.OnBuild ?? [];
  if (triggers.length === 0) return;
  b.emit({ kind: 'output', stream: 'stdout', data: Buffer.from(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`) });
  const clear: Instruction = { name: 'ONBUILD', line: s.stage.from.line, endLine: s.stage.from.line, original: '', flags: {}, args: '', heredocs: [] };
  await runPlan(b, s, clear, { createdBy: '', config: { ...s.image.config.config, OnBuild: null } }, true);
  for (const t of triggers) await runStep(b, s, parseTrigger(t, s.stage.from.line, b.dockerfile.escape));
}

/** Plan one step, then take it from the cache or make it. */
async function runStep(b: Build, s: StageState, ins: Instruction): Promise<void> {
  await runPlan(b, s, ins, await STEPS[ins.name](ins, s, b));
}

async function runPlan(b: Build, s: StageState, ins: Instruction, plan: Plan, quiet = false): Promise<void> {
  const key = cacheKey([s.image.id, ins.name, plan.createdBy, ...(plan.cacheExtra ?? []), JSON.stringify(plan.config), plan.author ?? '']);
  const cached = b.opts.noCache ? null : await b.cache.get(key);
  const hit = cached && (!b.cacheSources || b.cacheSources.has(cached.id)) ? cached : null;
  if (hit && !quiet) b.emit({ kind: 'cached' });
  const image = hit ?? await makeImage(b, s, plan);
  if (!hit) await b.cache.put(key, image);
  s.image = image;
  if (!quiet) b.emit({ kind: 'image', id: image.id });
}

async function makeImage(b: Build, s: StageState, plan: Plan): Promise<Image> {
  const layer: Layer | null = plan.layer ? await plan.layer(s.image) : null;
  const base = s.image.config;
  const now = new Date().toISOString();
  const config: ImageConfig = {
    ...base,
    created: now,
    author: plan.author ?? base.author,
    config: scopedConfig(plan.config, b.opts.scope),
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
    history: [...(base.history ?? []), ...(plan.createdBy ? [{ created: now, created_by: plan.createdBy, ...(layer ? {} : { empty_layer: true }) }] : [])],
    parent: isScratch(s.image) ? undefined : s.image.id,
  };
  if (!config.parent) delete config.parent;
  // As the classic builder: the step ran on the previous image (Image), and its config is the step's.
  config.container_config = { ...config.config, Image: s.image.id };
  delete config.container;
  if (config.author === undefined) delete config.author;
  return b.deps.engine.images.writeImage(config, [...s.image.layers, ...(layer ? [layer] : [])]);
}

/** The `--cache-from` images and all their parents; a name that is not an image is skipped, as Docker does. */
async function cacheSources(deps: BuildDeps, refs: string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const ref of refs) {
    let image = await deps.engine.images.get(ref).catch((err: unknown) => { if (isKind(err, 'NotFound') || isKind(err, 'Invalid')) return null; throw err; });
    while (image && !ids.has(image.id)) {
      ids.add(image.id);
      const parent = image.config.parent;
      image = parent ? await deps.engine.images.get(parent).catch((err: unknown) => { if (isKind(err, 'NotFound')) return null; throw err; }) : null;
    }
  }
  return ids;
}

/** FROM scratch's image: nothing in it, and no parent to name (as in Docker). */
function isScratch(image: Image): boolean {
  return image.layers.length === 0 && !image.config.history?.length;
}

function warnUnusedArgs(b: Build): void {
  const unused = Object.keys(b.opts.buildArgs ?? {}).filter((k) => !b.usedArgs.has(k) && !PROXY_ARGS.includes(k)).sort();
  if (unused.length) b.emit({ kind: 'output', stream: 'stderr', data: Buffer.from(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`) });
}

async function finish(b: Build, image: Image): Promise<Image> {
  b.emit({ kind: 'built', id: image.id });
  for (const tag of b.opts.tags ?? []) {
    await b.deps.engine.images.tag(image.id, tag);
    b.emit({ kind: 'tagged', tag });
  }
  return b.opts.tags?.length ? b.deps.engine.images.get(image.id) : image;
}
