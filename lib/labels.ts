/** Docker's label filters (`label=key`, `label=key=value`) on a set of labels, and the prune filters built on them. */

/** Whether `labels` has the label the filter names: `key` (any value) or `key=value`. */
export function hasLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Docker's `label` and `label!` filters. */
export interface LabelFilter {
  /** Only objects with every one of these labels (`key` or `key=value`). */
  labels?: string[];
  /** Only objects with none of these labels. */
  notLabels?: string[];
}

/** Docker's prune filters for containers, images and networks: `until`, `label`, `label!`. */
export interface PruneFilter extends LabelFilter {
  /** Only objects created before this time (unix seconds). */
  until?: number;
}

/** Whether an object with `labels` matches the label filters. */
export function matchesLabels(labels: Readonly<Record<string, string>>, f: LabelFilter): boolean {
  return (f.labels ?? []).every((l) => hasLabel(labels, l)) && !(f.notLabels ?? []).some((l) => hasLabel(labels, l));
}

/** Whether an object created at `created` (RFC 3339) with `labels` matches a prune filter. */
export function matchesPruneFilter(created: string, labels: Readonly<Record<string, string>>, f: PruneFilter): boolean {
  if (f.until !== undefined && !(Date.parse(created) / 1000 < f.until)) return false;
  return matchesLabels(labels, f);
}
