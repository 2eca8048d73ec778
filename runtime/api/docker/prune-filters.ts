/**
 * The filters of Docker's prune endpoints (`until`, `label`, `label!`),
 * checked and turned into data for the engine.
 */
import { invalid } from '../../../lib/errors.js';
import type { ImagePruneFilter, LabelFilter, PruneFilter, VolumePruneFilter } from '../../types.js';
import { checkFilterNames, type Filters } from './filters.js';
import { parseTimestampParam } from './time.js';

const GO_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/**
 * `until`: a unix timestamp, an RFC 3339 time, or a Go duration ("10m",
 * "1h30m") before now, as dockerd takes it; unix seconds.
 */
export function parseUntil(value: string, now = Date.now()): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length > 0 && parts.map((m) => m[0]).join('') === value) {
    return now / 1000 - parts.reduce((sum, m) => sum + Number(m[1]) * GO_UNITS[m[2]!]!, 0);
  }
  const t = parseTimestampParam(value, 'until');
  if (t === undefined) throw invalid(`invalid filter 'until=${value}'`);
  return t;
}

/**
 * `container prune` and `network prune` filters: `until`, `label`, `label!`
 * (and the `extra` names a caller reads itself); several `until` values are
 * refused, as dockerd does.
 */
export function pruneFilter(f: Filters, extra: string[] = []): PruneFilter {
  checkFilterNames(f, ['until', 'label', 'label!', ...extra]);
  if ((f.until?.length ?? 0) > 1) throw invalid('more than one until filter specified');
  return { ...(f.until?.length ? { until: parseUntil(f.until[0]!) } : {}), ...labelFilter(f) };
}

/** `image prune` filters: `dangling=false` (every unused image, `--all`), `until`, `label`, `label!`. */
export function imagePruneFilter(f: Filters): ImagePruneFilter {
  const filter = pruneFilter(f, ['dangling']);
  return boolFilter(f, 'dangling') === false ? { all: true, ...filter } : filter;
}

/** `volume prune` filters: `all` (named volumes too; API ≥ 1.42), `label`, `label!`. */
export function volumePruneFilter(f: Filters): VolumePruneFilter {
  checkFilterNames(f, ['all', 'label', 'label!']);
  return boolFilter(f, 'all') ? { all: true, ...labelFilter(f) } : labelFilter(f);
}

function labelFilter(f: Filters): LabelFilter {
  return { ...(f.label?.length ? { labels: f.label } : {}), ...(f['label!']?.length ? { notLabels: f['label!'] } : {}) };
}

/** A filter that is `true`/`1` or `false`/`0`; undefined when absent. */
function boolFilter(f: Filters, name: string): boolean | undefined {
  const v = f[name]?.[0];
  if (v === undefined) return undefined;
  if (!['true', '1', 'false', '0'].includes(v)) throw invalid(`invalid filter '${name}=${v}'`);
  return v === 'true' || v === '1';
}
