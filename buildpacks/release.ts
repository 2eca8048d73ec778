/** `bin/release` output: YAML with `config_vars` and `default_process_types`. */
import { parse } from 'yaml';
import { invalid } from '../lib/errors.js';
import type { ReleaseInfo } from './types.js';

/** Parse a buildpack's release YAML; empty output means "nothing to add". */
export function parseRelease(text: string, buildpack: string): ReleaseInfo {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : parse(text);
  } catch (err) {
    throw invalid(`${buildpack}: bin/release printed invalid YAML: ${(err as Error).message}`, err);
  }
  const obj = (doc ?? {}) as Record<string, unknown>;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw invalid(`${buildpack}: bin/release must print a YAML mapping`);
  return { configVars: stringMap(obj.config_vars), defaultProcessTypes: stringMap(obj.default_process_types) };
}

/** A YAML mapping of scalars as strings; anything else is ignored. */
function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (val !== null && ['string', 'number', 'boolean'].includes(typeof val)) out[k] = String(val);
  }
  return out;
}

/** Later buildpacks win for equal keys. */
export function mergeReleases(all: ReleaseInfo[]): ReleaseInfo {
  return {
    configVars: Object.assign({}, ...all.map((r) => r.configVars)) as Record<string, string>,
    defaultProcessTypes: Object.assign({}, ...all.map((r) => r.defaultProcessTypes)) as Record<string, string>,
  };
}
