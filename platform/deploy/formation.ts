/**
 * Desired processes of a release: which types run and how many, from the
 * formation rows, else (first deploy: nothing served yet) app.json's `formation`
 * and the initial quantities of initial-formation.ts, else Heroku's defaults
 * for a type a later release adds (web=1, others 0). Pure.
 */
import { boundsOf, defaultSize, resolveSize } from '../plans.js';
import type { StoredFormation } from '../store/formation.js';
import type { FormationEntry, Plans, Release } from '../types.js';
import { initialQuantities, RELEASE_PHASE } from './initial-formation.js';

export { RELEASE_PHASE };

/**
 * Process types of a release. A release with no types at all (a Dockerfile
 * image without a Procfile) runs the image's own command as `web`.
 */
export function processTypesOf(release: Pick<Release, 'processTypes'>): string[] {
  const types = Object.keys(release.processTypes).filter((t) => t !== RELEASE_PHASE);
  return types.length === 0 ? ['web'] : types.sort();
}

/**
 * The formation of `release`: every type it has, quantities and sizes from
 * `rows`; on the app's first deploy (`first`: no release has served yet;
 * by default, no rows at all), a type without a row gets app.json's
 * quantity and size (a plan or memory) or its initial quantity (a
 * worker-only release runs its first type); on later deploys a type a
 * release adds gets web=1 or 0 at the default plan. A row from before plans
 * gets the plan its memory fits.
 */
export function desiredFormation(
  release: Pick<Release, 'processTypes' | 'appJson'>, rows: StoredFormation[], plans: Plans, firstDeploy = rows.length === 0,
): FormationEntry[] {
  const byType = new Map(rows.map((r) => [r.type, r]));
  const first = firstDeploy ? initialQuantities(release) : null;
  return processTypesOf(release).map((type) => {
    const row = byType.get(type);
    if (row) return { ...row, plan: boundsOf(plans, row).name };
    if (!first) return { type, quantity: type === 'web' ? 1 : 0, ...defaultSize(plans) };
    const size = release.appJson?.formation?.[type]?.size;
    return { type, quantity: first.get(type)!.quantity, ...(size ? resolveSize(plans, size) : defaultSize(plans)) };
  });
}
