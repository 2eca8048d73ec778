/**
 * `KEY=value` environment lists, merged as Docker merges them (moby's
 * `opts.ReplaceOrAppendEnvValues`): the image's Env under the run's (a
 * container's Config.Env), the engine's defaults under Config.Env (the
 * process's env), the process's env under an exec's.
 */
import { invalid } from '../../lib/errors.js';

/**
 * Merge `KEY=value` lists: a later entry replaces an earlier one with the
 * same key, in its place; a later bare `KEY` (no `=`) removes it. Invalid
 * for an entry with an empty key (`=x`).
 */
export function mergeEnv(...lists: string[][]): string[] {
  const byKey = new Map<string, string>();
  for (const entry of lists.flat()) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!key) throw invalid(`invalid environment variable "${entry}"`);
    if (eq < 0) byKey.delete(key);
    else byKey.set(key, entry);
  }
  return [...byKey.values()];
}

/**
 * A container's Config.Env as dockerd merges it: the run's entries over the
 * image's, where a bare `KEY` (docker-py's `{"KEY": None}`, `docker run -e
 * KEY` with KEY unset on the client) stays in the list, in place of the
 * image's KEY; the process then gets no KEY at all (`mergeEnv`).
 */
export function mergeConfigEnv(image: string[], run: string[]): string[] {
  const keyOf = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  const bare = new Set(run.filter((e) => !e.includes('=')).map(keyOf));
  const merged = mergeEnv(image.filter((e) => !bare.has(keyOf(e))), run);
  return [...merged, ...[...bare].filter((k) => !merged.some((e) => keyOf(e) === k))];
}
