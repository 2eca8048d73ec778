/**
 * Interleaved rounds: every case runs once per round, round after round, so
 * drift in the machine's load hits all cases alike. A failed run is counted
 * and reported, never timed.
 */

/** One thing to time: returns milliseconds of one run. */
export interface Case {
  name: string;
  what: string;
  once(): Promise<number>;
}

/** How many rounds: the first `warmup` are run but not kept. */
export interface Rounds {
  warmup: number;
  iterations: number;
}

/** Warm up, then time every case `iterations` times, interleaved; failures go to `errors`. */
export async function measure(cases: Case[], rounds: Rounds, errors: Map<string, string[]>): Promise<Map<string, number[]>> {
  const samples = new Map(cases.map((c) => [c.name, [] as number[]]));
  const total = rounds.warmup + rounds.iterations;
  for (let i = 0; i < total; i++) {
    for (const c of cases) {
      const t = await c.once().catch((err: unknown) => { errors.set(c.name, [...errors.get(c.name) ?? [], String(err)]); return null; });
      if (i >= rounds.warmup && t !== null) samples.get(c.name)!.push(t);
    }
    progress(`round ${i + 1}/${total}`);
  }
  progress('');
  return samples;
}

/** Milliseconds since `start` (from process.hrtime.bigint()). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A progress line on a terminal (nothing when stderr is not one); '' ends it. */
export function progress(text: string): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(text ? `\rbench: ${text}` : '\n');
}

/**
 * The cases of `names` (the benchmark's subject: our engine, router or
 * platform) that failed a run or have no timed run, one line each; [] when
 * all ran. A benchmark prints its report, then exits 1 when this is not empty:
 * null figures from a subject that could not run must not pass for a result.
 */
export function failedCases(names: string[], samples: Map<string, number[]>, errors: Map<string, string[]>): string[] {
  return names.flatMap((name) => {
    const failed = errors.get(name) ?? [];
    const timed = samples.get(name)?.length ?? 0;
    if (failed.length === 0 && timed > 0) return [];
    return [`${name}: ${failed.length} failed run(s), ${timed} timed${failed.length ? `; first failure: ${failed[0]!.slice(0, 300)}` : ''}`];
  });
}

/** Print the failures of the subject to stderr and set a non-zero exit code when there are any. */
export function exitOnFailures(failures: string[]): void {
  for (const f of failures) process.stderr.write(`bench: subject failed: ${f}\n`);
  if (failures.length > 0) process.exitCode = 1;
}
