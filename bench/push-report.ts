/**
 * The report of `bench:buildpacks`: a table of cold and warm push-to-serving
 * per app, a table of where the warm pushes spend their time, the Node.js
 * tarball line, then one JSON line with the same figures.
 */
import { load, machine } from './host.js';
import type { BenchApp } from './push-apps.js';
import { PHASES } from './push-timeline.js';
import { quantile, table } from './stats.js';

/** The issue's target for every warm push, in seconds. */
export const WARM_TARGET_S = 5;

/** One push, from `git push` until the router served its body. */
export interface PushTiming {
  seconds: number;
  /** Seconds per phase (push-timeline.ts PHASES; null: its end line was not printed). */
  phases: Record<string, number | null>;
  slug: string | null;
  /** Where the push got the Node.js tarball (only meaningful for a cold push). */
  nodeTarball: 'store' | 'network' | null;
}

export interface AppResult {
  app: BenchApp;
  repo: string;
  /** The content of app.file as committed first. */
  original: string;
  cold?: PushTiming;
  warm: PushTiming[];
  /** Why the app's pushes stopped (a failed push, or its body not served). */
  failure?: string;
}

/** Print the tables and the JSON line. */
export function report(results: AppResult[], run: { warmRuns: number; quick: boolean; commit: string }): void {
  const f = (s: number | null) => (s === null ? '-' : s.toFixed(2));
  console.log(`# ${machine()}, load ${load().toFixed(1)}${run.commit ? `, commit ${run.commit}` : ''}${run.quick ? ', BENCH_QUICK (1 warm push per app)' : ''}`);
  console.log('# push → serving through tspaasd + tspaas-router; there is no Heroku or Dokku on this host to compare with,');
  console.log(`# so the figures are tspaas's own against the target: every warm push ≤ ${WARM_TARGET_S} s on 2 cores`);
  console.log(table(['app', 'cold s', `warm s (median of ${run.warmRuns})`, 'warm runs s', `≤ ${WARM_TARGET_S} s`, 'slug'], results.map((r) => {
    const warm = medianOf(r.warm.map((p) => p.seconds));
    return [r.app.label, f(r.cold?.seconds ?? null), f(warm), r.warm.map((p) => p.seconds.toFixed(2)).join(' ') || '-',
      r.failure ? 'FAILED' : warm === null ? '-' : warm <= WARM_TARGET_S ? 'yes' : 'no', r.cold?.slug ?? '-'];
  }), 1));
  console.log('');
  console.log(`where the warm pushes spend their time (median s of ${run.warmRuns}; from the push's own output lines):`);
  console.log(table(['app', ...PHASES.map((p) => p.name), 'total'], results.map((r) => {
    const phases = medianPhases(r.warm);
    return [r.app.name, ...PHASES.map((p) => f(phases[p.name])), f(medianOf(r.warm.map((w) => w.seconds)))];
  }), 1));
  for (const p of PHASES) console.log(`  ${p.name.padEnd(12)} ${p.what}`);
  const pushes = results.flatMap((r) => [...(r.cold ? [r.cold] : []), ...r.warm]);
  for (const p of PHASES) {
    const unseen = pushes.filter((x) => x.phases[p.name] === null).length;
    if (unseen) console.log(`  ! the line ending "${p.name}" (${String(p.end)}) was missing from ${unseen} of ${pushes.length} pushes: its time counts in the next phase (bench/push-timeline.ts must follow the platform's output)`);
  }
  const tarball = nodeTarballs(results);
  console.log('');
  console.log(`Node.js tarball: downloaded by ${tarball.downloaded} of ${tarball.cold_node_pushes} cold Node.js pushes, `
    + `taken from the host's download store by ${tarball.from_store} (target: fetched once per host: ${tarball.once_per_host ? 'met' : 'not met'})`);
  for (const r of results.filter((x) => x.failure)) console.log(`FAILED ${r.app.name}: ${r.failure!.split('\n')[0]}`);
  console.log(JSON.stringify(summary(results, run, tarball)));
}

/** The JSON line: per app the cold time, the warm times and median, the target check and the phases. */
function summary(results: AppResult[], run: { warmRuns: number; quick: boolean; commit: string }, tarball: ReturnType<typeof nodeTarballs>) {
  const round = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  const roundAll = (o: Record<string, number | null>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
  const apps = Object.fromEntries(results.map((r) => {
    const warm = medianOf(r.warm.map((p) => p.seconds));
    return [r.app.name, {
      cold_s: round(r.cold?.seconds ?? null), warm_s: r.warm.map((p) => round(p.seconds)), warm_median_s: round(warm),
      warm_under_5s: !r.failure && warm !== null && warm <= WARM_TARGET_S,
      phases_warm_median_s: roundAll(medianPhases(r.warm)), phases_cold_s: r.cold ? roundAll(r.cold.phases) : null,
      slug: r.cold?.slug ?? null, failure: r.failure ?? null,
    }];
  }));
  return {
    date: new Date().toISOString().slice(0, 10), commit: run.commit || null, load: load(), warm_runs: run.warmRuns, quick: run.quick,
    peer: null, apps, node_tarball: tarball,
    targets: { all_warm_under_5s: Object.values(apps).every((a) => a.warm_under_5s), node_tarball_once_per_host: tarball.once_per_host },
  };
}

/** How the cold Node.js pushes got the Node.js tarball (downloaded, or from the host's store). */
function nodeTarballs(results: AppResult[]) {
  const sources = results.filter((r) => r.app.node && r.cold).map((r) => r.cold!.nodeTarball);
  const downloaded = sources.filter((s) => s === 'network').length;
  return { cold_node_pushes: sources.length, downloaded, from_store: sources.filter((s) => s === 'store').length, once_per_host: downloaded <= 1 };
}

/** The median of each phase over `pushes` (null where no push printed the phase's end). */
function medianPhases(pushes: PushTiming[]): Record<string, number | null> {
  return Object.fromEntries(PHASES.map((p) => [p.name, medianOf(pushes.map((w) => w.phases[p.name]).filter((v): v is number => v !== null))]));
}

function medianOf(xs: number[]): number | null {
  return xs.length ? quantile([...xs].sort((a, b) => a - b), 0.5) : null;
}
