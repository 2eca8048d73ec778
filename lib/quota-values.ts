/**
 * Team quota limits as people write them (issue 17, part 1), one rule for
 * tspaasd's `--team-quota KEY=VALUE` and the CLI's `tspaas teams:quota
 * --KEY VALUE`: counts are whole numbers, memory and disk sizes like `4G`
 * (lib/bytes.ts), CPU a number of cores (`1.5`), plans names separated by
 * commas; `none` (or `unlimited`) removes the limit. The field names are
 * those of the API's `QuotaLimits` (platform/types.ts).
 */
import { parseBytes } from './bytes.js';
import { invalid } from './errors.js';

type Kind = 'count' | 'bytes' | 'cores' | 'names';

/** Each key as written → the API's field and how its value is read. */
export const QUOTA_KEYS = {
  apps: { field: 'apps', kind: 'count' },
  processes: { field: 'processes', kind: 'count' },
  memory: { field: 'memoryBytes', kind: 'bytes' },
  cpu: { field: 'cpus', kind: 'cores' },
  plans: { field: 'plans', kind: 'names' },
  'build-minutes': { field: 'buildMinutes', kind: 'count' },
  builds: { field: 'builds', kind: 'count' },
  disk: { field: 'diskBytes', kind: 'bytes' },
  domains: { field: 'domains', kind: 'count' },
} as const satisfies Record<string, { field: string; kind: Kind }>;

export type QuotaKey = keyof typeof QUOTA_KEYS;
export type QuotaField = (typeof QUOTA_KEYS)[QuotaKey]['field'];
export type QuotaValue = number | string[] | null;

/** The value of one key (`memory`, `4G`): a number, a list of plan names, or null for `none`. Invalid names the key. */
export function parseQuotaValue(key: QuotaKey, text: string): QuotaValue {
  const t = text.trim();
  if (/^(none|unlimited)$/i.test(t)) return null;
  const { kind } = QUOTA_KEYS[key];
  if (kind === 'bytes') return parseBytes(t, `${key} quota`);
  if (kind === 'names') {
    const names = t.split(',').map((n) => n.trim().toLowerCase()).filter(Boolean);
    if (names.length === 0 || names.some((n) => !/^[a-z][a-z0-9-]{0,29}$/.test(n))) throw invalid(`invalid plans quota "${text}": plan names separated by commas, or none`);
    return names;
  }
  const n = Number(t);
  const ok = kind === 'count' ? /^\d{1,9}$/.test(t) : /^\d{1,6}(\.\d{1,2})?$/.test(t);
  if (!ok || !Number.isFinite(n)) {
    throw invalid(`invalid ${key} quota "${text}": ${kind === 'count' ? 'a whole number' : 'a number of cores like 2 or 1.5'}, or none`);
  }
  return n;
}

/** `KEY=VALUE` items (`apps=10`, `memory=8G`, `plans=basic,standard-1x`) → API fields; Invalid on an unknown key. */
export function parseQuotaSpecs(specs: readonly string[]): Partial<Record<QuotaField, QuotaValue>> {
  const out: Partial<Record<QuotaField, QuotaValue>> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, eq).trim();
    if (eq <= 0 || !(key in QUOTA_KEYS)) {
      throw invalid(`invalid team quota "${spec}": use KEY=VALUE with KEY one of ${Object.keys(QUOTA_KEYS).join(', ')}`);
    }
    out[QUOTA_KEYS[key as QuotaKey].field] = parseQuotaValue(key as QuotaKey, spec.slice(eq + 1));
  }
  return out;
}
