/**
 * The three phases of the classic contract, each one exec in the build
 * container: detect, compile (after sourcing earlier buildpacks' `export`
 * files), release. Output is relayed line by line; a deadline kills the
 * container and is reported with the buildpack that was running.
 */
import type { Engine } from '../runtime/types.js';
import { invalid, unavailable } from '../lib/errors.js';
import { execLines, type Deadline } from './container.js';
import { BUILD_DIR, BUILDPACKS_DIR } from './build-container.js';
import { parseRelease } from './release.js';
import type { OnOutput, ReleaseInfo, ResolvedBuildpack } from './types.js';

/** What every phase needs. */
export interface PhaseContext {
  engine: Engine;
  id: string;
  deadline: Deadline;
  timeoutMs: number;
  out: OnOutput;
  /** Extra environment of every compile (`TSPAAS_CACHED_LAYERS`). */
  compileEnv?: string[];
}

const binOf = (bp: ResolvedBuildpack, name: string) => `${BUILDPACKS_DIR}/${bp.slug}/bin/${name}`;

/** Run a buildpack executable through bash, so a missing or broken one is an exit code (127/126), not a start failure. */
const viaBash = (bin: string, ...args: string[]) => ['bash', '-c', 'exec "$0" "$@"', bin, ...args];

/** `bin/detect /app`: the name it printed, or null when it declined. */
export async function detect(ctx: PhaseContext, bp: ResolvedBuildpack): Promise<string | null> {
  const lines: string[] = [];
  const r = await execLines(ctx.engine, ctx.id, viaBash(binOf(bp, 'detect'), BUILD_DIR), (l, s) => { if (s === 'stdout') lines.push(l); }, ctx.deadline);
  checkDeadline(ctx, bp, r.timedOut, 'detect');
  return r.exitCode === 0 ? (lines.join(' ').trim() || bp.slug) : null;
}

/** `bin/compile /app /cache /tspaas/env` with the `export` files of `earlier` sourced first. */
export async function compile(ctx: PhaseContext, bp: ResolvedBuildpack, earlier: ResolvedBuildpack[]): Promise<void> {
  const exports = earlier.map((b) => `${BUILDPACKS_DIR}/${b.slug}/export`);
  const script = 'for e in "$@"; do if [ -f "$e" ]; then . "$e"; fi; done; exec "$BP_COMPILE" /app /cache /tspaas/env';
  const cmd = ['bash', '-c', script, 'compile', ...exports];
  const r = await execLines(ctx.engine, ctx.id, cmd, (l) => ctx.out(l), ctx.deadline, [`BP_COMPILE=${binOf(bp, 'compile')}`, `BUILDPACK_DIR=${BUILDPACKS_DIR}/${bp.slug}`, ...(ctx.compileEnv ?? [])]);
  checkDeadline(ctx, bp, r.timedOut, 'compile');
  if (r.exitCode !== 0) throw invalid(`${bp.ref}: bin/compile failed (exit code ${r.exitCode}); see the output above`);
}

/** `bin/release /app`, parsed. */
export async function release(ctx: PhaseContext, bp: ResolvedBuildpack): Promise<ReleaseInfo> {
  const lines: string[] = [];
  const r = await execLines(ctx.engine, ctx.id, viaBash(binOf(bp, 'release'), BUILD_DIR), (l, s) => (s === 'stdout' ? lines.push(l) : ctx.out(l)), ctx.deadline);
  checkDeadline(ctx, bp, r.timedOut, 'release');
  if (r.exitCode === 127) return { configVars: {}, defaultProcessTypes: {} }; // no bin/release: nothing to add
  if (r.exitCode !== 0) throw invalid(`${bp.ref}: bin/release failed (exit code ${r.exitCode})`);
  return parseRelease(lines.join('\n'), bp.ref);
}

/** A shell command's stdout in the build container (e.g. reading the Procfile); null on failure. */
export async function readText(ctx: PhaseContext, cmd: string[]): Promise<string | null> {
  const lines: string[] = [];
  const r = await execLines(ctx.engine, ctx.id, cmd, (l, s) => { if (s === 'stdout') lines.push(l); }, ctx.deadline);
  return r.exitCode === 0 ? lines.join('\n') : null;
}

function checkDeadline(ctx: PhaseContext, bp: ResolvedBuildpack, timedOut: boolean, phase: string): void {
  if (timedOut) throw unavailable(`${bp.ref}: bin/${phase} ran past the build time limit of ${Math.round(ctx.timeoutMs / 1000)} s and was killed`);
}

