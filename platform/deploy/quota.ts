/**
 * Issue 17, part 1: a deploy starts the process types its release adds (every
 * type on the app's first deploy: web=1, or app.json's formation) within its
 * team's processes, memory, CPU and plans quotas (control/quotas.ts). Checked
 * as the deploy's first step, before the release phase starts a container
 * (the rows are written and rolled back), and enforced where the rows are
 * written (`plan formation`), in case a scale took the room in between. A
 * refusal is Forbidden: the app's fault (pipeline.ts `isAppFault`), recorded
 * on the release, never retried; the old release keeps serving.
 */
import { admit, type Measure } from '../control/quotas.js';
import type { Queryable } from '../db/pool.js';
import { insertMissingFormation, listFormation } from '../store/formation.js';
import type { App, FormationEntry, PlatformDeps, Release } from '../types.js';
import { desiredFormation } from './formation.js';

const MEASURES: Measure[] = ['processes', 'memoryBytes', 'cpus'];

/** The formation the deploy of `release` runs, and its entries of types without a row yet (which the deploy adds). */
export async function deployFormation(deps: PlatformDeps, app: App, release: Release): Promise<{ formation: FormationEntry[]; added: FormationEntry[] }> {
  const rows = await listFormation(deps.db, app.id);
  // The first deploy is the first to serve: a `scale` after a failed first push does not make app.json's formation skipped.
  const formation = desiredFormation(release, rows, deps.config.plans, app.currentReleaseId === null);
  return { formation, added: formation.filter((e) => !rows.some((row) => row.type === e.type)) };
}

/** Write the rows of the added types within the team's quotas (Forbidden, nothing written, otherwise). */
export function addFormationRows(deps: PlatformDeps, app: App, release: Release, formation: FormationEntry[], added: FormationEntry[]): Promise<void> {
  return deps.db.transaction((q) => admitRows(q, deps, app, release, formation, added));
}

/** Forbidden when the types the release adds would go past the team's quotas; changes nothing either way. */
export async function checkDeployQuota(deps: PlatformDeps, app: App, release: Release): Promise<void> {
  const { formation, added } = await deployFormation(deps, app, release);
  if (added.length === 0) return;
  const checked = Symbol('checked');
  await deps.db.transaction(async (q) => {
    await admitRows(q, deps, app, release, formation, added);
    throw checked; // roll the rows back: the deploy writes them in `plan formation`
  }).catch((err: unknown) => { if (err !== checked) throw err; });
}

function admitRows(q: Queryable, deps: PlatformDeps, app: App, release: Release, formation: FormationEntry[], added: FormationEntry[]): Promise<void> {
  const req = { teamId: app.teamId, what: `deploy of v${release.version}`, plans: deps.config.plans, asked: added.filter((e) => e.quantity > 0).map((e) => e.plan) };
  return admit(q, req, MEASURES, () => insertMissingFormation(q, app.id, formation));
}
