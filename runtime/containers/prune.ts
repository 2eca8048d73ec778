/**
 * `container prune`: which stopped containers go (Docker's filters `until`,
 * `label`, `label!`); the space their writable layers held is the
 * snapshotter's `usage`.
 */
import type { Container } from './types.js';
import { matchesPruneFilter, type PruneFilter } from '../../lib/labels.js';

const PRUNABLE = new Set(['exited', 'created', 'dead']);

/** Whether a container is stopped and matches the filter. */
export function prunable(c: Container, f: PruneFilter): boolean {
  return PRUNABLE.has(c.state.status) && matchesPruneFilter(c.record.created, c.record.config.Labels ?? {}, f);
}
