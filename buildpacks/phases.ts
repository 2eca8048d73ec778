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

/** Which detects run: until the first that detects, or until the first that declines (every one must). */
export type DetectUntil = 'detected' | 'declined';

/**
 * `bin/detect /app` of the buildpacks in order, in one exec (an exec costs a
 * few hundred ms; the bundled list has five): for each that ran, the name it
 * printed, or null when it declined; none run after the first that meets
 * `until`. A detect's stdout is folded into its own result line, so what a
 * buildpack prints cannot pass for another's result.
 */
export async function detectAll(ctx: PhaseContext, bps: ResolvedBuildpack[], until: DetectUntil): Promise<Array<string | null>> {
  const stop = until === 'detected' ? '[ "$rc" -eq 0 ] && break' : '[ "$rc" -ne 0 ] && break';
  const script = [
    'i=0',
    'for bin in "$@"; do',
    '  echo "tspaas-detect-start $i"',
    '  out=$(bash -c \'exec "$0" "$@"\' "$bin" /app); rc=$?',
    '  printf "tspaas-detect %d %d %s\\n" "$i" "$rc" "$(printf %s "$out" | tr "\\n\\r" "  ")"',
    `  ${stop}`,
    '  i=$((i+1))',
    'done',
    'true',
  ].join('\n');
  const results: Array<string | null> = [];
  let running = 0;
  const onLine = (line: string, stream: 'stdout' | 'stderr') => {
    if (stream !== 'stdout') return;
    const started = /^tspaas-detect-start (\d+)$/.exec(line);
    if (started) running = Number(started[1]);
    const m = /^tspaas-detect (\d+) (\d+) ?(.*)$/.exec(line);
    if (m) results[Number(m[1])] = m[2] === '0' ? (m[3].trim() || bps[Number(m[1])].slug) : null;
  };
  const r = await execLines(ctx.engine, ctx.id, ['bash', '-c', script, 'detect', ...bps.map((bp) => binOf(bp, 'detect'))], onLine, ctx.deadline);
  checkDeadline(ctx, bps[running], r.timedOut, 'detect');
  if (r.exitCode !== 0) throw unavailable(`bin/detect could not be run in the build container (exit code ${r.exitCode})`);
  return results;
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

