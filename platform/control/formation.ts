/**
 * The formation as the API and the dashboard show it (the deploy part owns
 * the formation and releases tables and their store modules).
 */
import type { Queryable } from '../db/pool.js';
import { boundsOf, defaultSize } from '../plans.js';
import { listFormation } from '../store/formation.js';
import { currentRelease } from '../store/releases.js';
import type { App, FormationEntry, Plans } from '../types.js';

/**
 * The formation as it applies: every process type of the current release
 * (web=1 and others 0 unless a formation row says otherwise), plus rows for
 * types the release does not have yet.
 */
export async function effectiveFormation(q: Queryable, app: App, plans: Plans): Promise<FormationEntry[]> {
  const entries = new Map<string, FormationEntry>();
  const release = await currentRelease(q, app.id);
  for (const type of Object.keys(release?.processTypes ?? {})) {
    if (type !== 'release') entries.set(type, { type, quantity: type === 'web' ? 1 : 0, ...defaultSize(plans) });
  }
  for (const r of await listFormation(q, app.id)) entries.set(r.type, { ...r, plan: boundsOf(plans, r).name });
  return [...entries.values()].sort((a, b) => a.type.localeCompare(b.type));
}
