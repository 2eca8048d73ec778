/**
 * Docker's `filters` query value: JSON mapping a filter name to its values,
 * either `{"status": {"running": true}}` (current form) or
 * `{"status": ["running"]}` (older clients).
 */
import { invalid } from '../../../lib/errors.js';
import { hasLabel } from '../../../lib/labels.js';
import type { ContainerStatus, ListFilters } from '../../containers/types.js';
import type { Image } from '../../images/types.js';

export type Filters = Record<string, string[]>;

const CONTAINER_STATUSES: ContainerStatus[] = ['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing'];

/** Parse the `filters` query value; empty or absent means no filters. */
export function parseFilters(raw: string | null): Filters {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalid(`invalid filters: ${raw}`, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid(`invalid filters: ${raw}`);
  const out: Filters = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) out[key] = value.map(String);
    else if (typeof value === 'object' && value !== null) out[key] = Object.entries(value).filter(([, on]) => on).map(([v]) => v);
    else throw invalid(`invalid filter value for '${key}'`);
  }
  return out;
}

/** Refuse filter names this endpoint does not know, with dockerd's message. */
export function checkFilterNames(f: Filters, allowed: string[]): void {
  for (const key of Object.keys(f)) if (!allowed.includes(key)) throw invalid(`invalid filter '${key}'`);
}

/** `GET /containers/json` filters → engine `ListFilters`. */
export function toListFilters(f: Filters, all: boolean): ListFilters {
  checkFilterNames(f, ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'health']);
  const out: ListFilters = { all };
  if (f.id) out.id = f.id;
  if (f.name) out.name = f.name.map((n) => n.replace(/^\//, ''));
  if (f.label) out.label = f.label;
  if (f.ancestor) out.ancestor = f.ancestor;
  if (f.status) out.status = f.status.map(checkStatus);
  if (f.exited) out.exited = f.exited.map(checkExitCode);
  if (f.health) out.health = f.health.map(checkHealth);
  // Asking for a status other than running implies all containers, as in dockerd.
  if (f.status || f.exited) out.all = true;
  return out;
}

function checkStatus(s: string): ContainerStatus {
  const status = CONTAINER_STATUSES.find((c) => c === s);
  if (!status) throw invalid(`invalid filter 'status=${s}'`);
  return status;
}

const HEALTH_STATES = ['starting', 'healthy', 'unhealthy', 'none'] as const;

/** dockerd's values and message for the health filter. */
function checkHealth(s: string): (typeof HEALTH_STATES)[number] {
  const h = HEALTH_STATES.find((v) => v === s);
  if (!h) throw invalid(`Unrecognised filter value for health: ${s}`);
  return h;
}

function checkExitCode(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n)) throw invalid(`invalid filter 'exited=${s}'`);
  return n;
}

/** `GET /images/json` filters (dangling, reference, label), applied to the store's list. */
export function filterImages(images: Image[], f: Filters): Image[] {
  checkFilterNames(f, ['dangling', 'reference', 'label']);
  return images.filter((img) => {
    if (f.dangling?.length) {
      const want = f.dangling[0] === 'true' || f.dangling[0] === '1';
      if ((img.repoTags.length === 0) !== want) return false;
    }
    if (f.reference && !img.repoTags.some((t) => f.reference!.some((p) => matchReference(t, p)))) return false;
    if (f.label && !f.label.every((l) => hasLabel(img.config.config.Labels ?? {}, l))) return false;
    return true;
  });
}

/** Docker's reference filter: a glob on "name:tag", or on the name alone when the pattern has no tag. */
function matchReference(tag: string, pattern: string): boolean {
  const name = tag.slice(0, tag.lastIndexOf(':'));
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('[^/]*')}$`);
  return re.test(tag) || re.test(name);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
