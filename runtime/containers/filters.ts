/** `ps` filters (Docker's names and semantics). */
import type { Container, ListFilters } from './types.js';
import { hasLabel } from '../../lib/labels.js';

/** Containers matching every given filter; without `all` only running ones. Newest first. */
export async function filterContainers(
  all: Container[], f: ListFilters, resolveImage: (ref: string) => Promise<string | null>,
): Promise<Container[]> {
  const ancestors = f.ancestor ? await Promise.all(f.ancestor.map(resolveImage)) : null;
  const showAll = f.all || (f.status?.length ?? 0) > 0 || (f.exited?.length ?? 0) > 0;
  return all
    .filter((c) => showAll || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting')
    .filter((c) => !f.id?.length || f.id.some((p) => c.record.id.startsWith(p)))
    .filter((c) => !f.name?.length || f.name.some((n) => new RegExp(n.replace(/^\//, '')).test(c.record.name)))
    .filter((c) => !f.status?.length || f.status.includes(c.state.status))
    .filter((c) => !f.exited?.length || (c.state.status === 'exited' && f.exited.includes(c.state.exitCode)))
    .filter((c) => !f.health?.length || f.health.includes(c.state.health?.status ?? 'none'))
    .filter((c) => !f.label?.length || f.label.every((l) => hasLabel(c.record.config.Labels ?? {}, l)))
    .filter((c) => !ancestors || ancestors.some((id, i) => c.record.imageId === id || c.record.imageRef === f.ancestor![i]))
    .sort((a, b) => b.record.created.localeCompare(a.record.created));
}
