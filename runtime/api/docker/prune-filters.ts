/**
 * The filters of Docker's prune endpoints (`until`, `label`, `label!`),
 * checked and turned into data for the engine.
 */
import { invalid } from '../../../lib/errors.js';
import type { ImagePruneFilter, PruneFilter, VolumePruneFilter } from '../../types.js';
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

/** The `until`, `label` and `label!` filters of container, image and network prune; several `until` values are refused, as dockerd does. */
function pruneFilter(f: Filters): PruneFilter {
  if ((f.until?.length ?? 0) > 1) throw invalid('more than one until filter specified');
  return {
    ...(f.until?.length ? { until: parseUntil(f.until[0]!) } : {}),
    ...(f.label?.length ? { labels: f.label } : {}),
    ...(f['label!']?.length ? { notLabels: f['label!'] } : {}),
  };
}

/** `container prune` filters. */
export function containerPruneFilter(f: Filters): PruneFilter {
  checkFilterNames(f, ['until', 'label', 'label!']);
  return pruneFilter(f);
}

/** `network prune` filters. */
export function networkPruneFilter(f: Filters): PruneFilter {
  checkFilterNames(f, ['until', 'label', 'label!']);
  return pruneFilter(f);
}

/** `image prune` filters: `dangling=false` (every unused image, `--all`), `until`, `label`, `label!`. */
export function imagePruneFilter(f: Filters): ImagePruneFilter {
  checkFilterNames(f, ['dangling', 'until', 'label', 'label!']);
  const dangling = f.dangling?.[0];
  if (dangling !== undefined && !['true', '1', 'false', '0'].includes(dangling)) throw invalid(`invalid filter 'dangling=${dangling}'`);
  return { ...(dangling === 'false' || dangling === '0' ? { all: true } : {}), ...pruneFilter(f) };
}

/** `volume prune` filters: `all` (named volumes too; API ≥ 1.42), `label`, `label!`. */
export function volumePruneFilter(f: Filters): VolumePruneFilter {
  checkFilterNames(f, ['all', 'label', 'label!']);
  const all = f.all?.[0];
  if (all !== undefined && !['true', '1', 'false', '0'].includes(all)) throw invalid(`invalid filter 'all=${all}'`);
  return {
    ...(all === 'true' || all === '1' ? { all: true } : {}),
    ...(f.label?.length ? { labels: f.label } : {}),
    ...(f['label!']?.length ? { notLabels: f['label!'] } : {}),
  };
}
