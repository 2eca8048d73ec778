/**
 * Reads of releases and formation for the API and the dashboard (the deploy
 * part owns these tables and their store modules).
 */
import type { Queryable } from '../db/pool.js';
import { boundsOf, defaultSize } from '../plans.js';
import { listFormation } from '../store/formation.js';
import * as releases from '../store/releases.js';
import type { App, FormationEntry, Plans, Release } from '../types.js';

/** The release serving now, or null before the first successful deploy. */
export async function currentRelease(q: Queryable, app: App): Promise<Release | null> {
  return app.currentReleaseId ? releases.getRelease(q, app.currentReleaseId).catch(() => null) : null;
}

/** The current release, else the newest one, else null (what `config` shows). */
export async function configRelease(q: Queryable, app: App): Promise<Release | null> {
  return (await currentRelease(q, app)) ?? releases.latestRelease(q, app.id);
}

/** The app's releases, newest first. */
export const listReleases = releases.listReleases;
/** Release vN of the app, or NotFound. */
export const getReleaseByVersion = releases.getReleaseByVersion;

/**
 * The formation as it applies: every process type of the current release
 * (web=1 and others 0 unless a formation row says otherwise), plus rows for
 * types the release does not have yet.
 */
export async function effectiveFormation(q: Queryable, app: App, plans: Plans): Promise<FormationEntry[]> {
  const entries = new Map<string, FormationEntry>();
  const release = await currentRelease(q, app);
  for (const type of Object.keys(release?.processTypes ?? {})) {
    if (type !== 'release') entries.set(type, { type, quantity: type === 'web' ? 1 : 0, ...defaultSize(plans) });
  }
  for (const r of await listFormation(q, app.id)) entries.set(r.type, { ...r, plan: boundsOf(plans, r).name });
  return [...entries.values()].sort((a, b) => a.type.localeCompare(b.type));
}
