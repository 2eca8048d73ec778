/** Docker's `--filter key=value` flags → the `filters` query parameter (JSON map of lists). */
import { invalid } from '../lib/errors.js';

/** commander collector for repeatable flags. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** ["status=exited", "label=a=b"] → '{"status":["exited"],"label":["a=b"]}'; undefined when empty. */
export function filtersQuery(filters: string[] | undefined, extra: Record<string, string[]> = {}): string | undefined {
  const out: Record<string, string[]> = { ...extra };
  for (const f of filters ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw invalid(`bad filter "${f}": use key=value`);
    (out[f.slice(0, i)] ??= []).push(f.slice(i + 1));
  }
  return Object.keys(out).length ? JSON.stringify(out) : undefined;
}
