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
