/** Bounded concurrency over a list, for the engine (registry layers) and the platform (processes of a deploy). */

export interface MapLimitOptions {
  /**
   * What happens after an item fails. `stop` (the default) starts no more
   * items: a pull's other layers are moot once one failed. `finish` runs
   * every item anyway: each process of a deploy is stopped, started or
   * repaired even when another one failed.
   */
  afterFailure?: 'stop' | 'finish';
}

/**
 * Run `fn` over `items`, at most `limit` at once; resolves with the results in
 * input order. On failure it waits for the items in flight, then rejects with
 * the first error.
 */
export async function mapLimit<T, R>(
  items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>, opts: MapLimitOptions = {},
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const errors: unknown[] = [];
  const stopOnFailure = (opts.afterFailure ?? 'stop') === 'stop';
  let next = 0;
  const worker = async () => {
    while (next < items.length && !(stopOnFailure && errors.length > 0)) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
