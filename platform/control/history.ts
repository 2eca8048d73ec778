/**
 * Reads of releases and formation for the API and the dashboard. The deploy
 * part owns the writes of these tables; these are read-only queries.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import { iso } from '../store/rows.js';
import type { App, AppJson, FormationEntry, Release } from '../types.js';

interface ReleaseRow {
  id: string; app_id: string; version: number; build_id: string | null; image: string | null; config: Record<string, string>;
  process_types: Record<string, string>; app_json: AppJson | null; description: string; user_id: string | null;
  email: string | null; status: Release['status']; error: string | null; created_at: Date; finished_at: Date | null;
}

const SELECT_RELEASE = 'SELECT r.*, u.email FROM releases r LEFT JOIN users u ON u.id = r.user_id';

const toRelease = (r: ReleaseRow): Release => ({
  id: r.id, appId: r.app_id, version: r.version, buildId: r.build_id, image: r.image, config: r.config, processTypes: r.process_types,
  appJson: r.app_json, description: r.description, userId: r.user_id, userEmail: r.email, status: r.status, error: r.error,
  createdAt: iso(r.created_at), finishedAt: iso(r.finished_at),
});

/** The app's releases, newest first. */
export async function listReleases(q: Queryable, appId: string, limit = 100): Promise<Release[]> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 ORDER BY r.version DESC LIMIT $2`, [appId, limit]);
  return res.rows.map(toRelease);
}

/** Release vN of the app, or NotFound. */
export async function getReleaseByVersion(q: Queryable, appId: string, version: number): Promise<Release> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 AND r.version = $2`, [appId, version]);
  if (res.rows.length === 0) throw notFound(`release v${version} not found`);
  return toRelease(res.rows[0]);
}

/** The release serving now, or null before the first successful deploy. */
export async function currentRelease(q: Queryable, app: App): Promise<Release | null> {
  if (!app.currentReleaseId) return null;
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.id = $1`, [app.currentReleaseId]);
  return res.rows.length === 0 ? null : toRelease(res.rows[0]);
}

/** The current release, else the newest one, else null (what `config` shows). */
export async function configRelease(q: Queryable, app: App): Promise<Release | null> {
  return (await currentRelease(q, app)) ?? (await listReleases(q, app.id, 1))[0] ?? null;
}

/**
 * The formation as it applies: every process type of the current release
 * (web=1 and others 0 unless a formation row says otherwise), plus rows for
 * types the release does not have yet.
 */
export async function effectiveFormation(q: Queryable, app: App, defaultMemoryBytes: number): Promise<FormationEntry[]> {
  const res = await q.query<{ type: string; quantity: number; memory_bytes: string }>(
    'SELECT type, quantity, memory_bytes FROM formation WHERE app_id = $1', [app.id]);
  const entries = new Map<string, FormationEntry>();
  const release = await currentRelease(q, app);
  for (const type of Object.keys(release?.processTypes ?? {})) {
    if (type !== 'release') entries.set(type, { type, quantity: type === 'web' ? 1 : 0, memoryBytes: defaultMemoryBytes });
  }
  for (const r of res.rows) entries.set(r.type, { type: r.type, quantity: r.quantity, memoryBytes: Number(r.memory_bytes) });
  return [...entries.values()].sort((a, b) => a.type.localeCompare(b.type));
}
