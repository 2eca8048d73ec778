/** Docker's label filters (`label=key`, `label=key=value`) on a set of labels. */

/** Whether `labels` has the label the filter names: `key` (any value) or `key=value`. */
export function hasLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf('=');
  return eq < 0 ? filter in labels : labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}
