/** Argument shapes shared by several instructions: JSON arrays, key=value pairs, durations. */
import { parseGoDuration } from '../../../lib/go-duration.js';
import { splitWords } from './substitute.js';
import type { CommandForm } from './types.js';

/** `["a", "b"]` → the list; anything else (not JSON, not an array of strings) → null. */
export function parseJsonArray(text: string): string[] | null {
  if (!text.startsWith('[')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null; // not JSON: the shell form, as documented above
  }
}

/** RUN/CMD/ENTRYPOINT arguments: exec form when they are a JSON array of strings, shell form otherwise. */
export function commandForm(args: string): CommandForm {
  const list = parseJsonArray(args);
  return list ? { form: 'exec', args: list } : { form: 'shell', text: args };
}

/**
 * ENV/LABEL pairs as raw words: `k=v k2="a b"`, or the legacy `k value`
 * (one pair, the value is the rest of the line). Null when a word of the
 * `k=v` form lacks its `=` (the caller reports it).
 */
export function keyValueWords(args: string, escape: string): { pairs: Array<[string, string]>; bad?: string } {
  const words = splitWords(args, escape);
  if (words.length > 0 && !words[0].includes('=')) {
    const key = words[0];
    return { pairs: [[key, args.slice(args.indexOf(key) + key.length).trim()]] };
  }
  const pairs: Array<[string, string]> = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) return { pairs, bad: w };
    pairs.push([w.slice(0, eq), w.slice(eq + 1)]);
  }
  return { pairs };
}

/** A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const ms = parseGoDuration(text);
  return ms === undefined ? null : Math.round(ms * 1e6);
}
