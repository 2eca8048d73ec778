/**
 * Releases: numbered per app (v1, v2, …), immutable but for their deploy
 * status. A new release takes the next version with the app's row locked
 * (`lockApp` inside the transaction), so two changes at once get v5 and v6.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import type { AppJson, Release, ReleaseStatus } from '../types.js';
import { iso } from './rows.js';

interface ReleaseRow {
  id: string; app_id: string; version: number; build_id: string | null; image: string | null;
  config: Record<string, string>; process_types: Record<string, string>; app_json: AppJson | null;
  description: string; user_id: string | null; user_email: string | null; status: ReleaseStatus;
  error: string | null; created_at: Date; finished_at: Date | null;
}

const SELECT_RELEASE = `
  SELECT r.*, u.email AS user_email FROM releases r LEFT JOIN users u ON u.id = r.user_id`;

const toRelease = (r: ReleaseRow): Release => ({
  id: r.id, appId: r.app_id, version: r.version, buildId: r.build_id, image: r.image,
  config: r.config, processTypes: r.process_types, appJson: r.app_json, description: r.description,
  userId: r.user_id, userEmail: r.user_email, status: r.status, error: r.error,
  createdAt: iso(r.created_at), finishedAt: iso(r.finished_at),
});

/** What a new release is made of (version and status are the store's). */
export interface NewRelease {
  appId: string;
  buildId: string | null;
  image: string | null;
  config: Record<string, string>;
  processTypes: Record<string, string>;
  appJson: AppJson | null;
  description: string;
  userId: string | null;
}

/** The release with this id; NotFound when there is none. */
export async function getRelease(q: Queryable, id: string): Promise<Release> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.id = $1`, [id]);
  if (res.rows.length === 0) throw notFound(`release ${id} not found`);
  return toRelease(res.rows[0]);
}

/** Release vN of the app; NotFound when there is none. */
export async function getReleaseByVersion(q: Queryable, appId: string, version: number): Promise<Release> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 AND r.version = $2`, [appId, version]);
  if (res.rows.length === 0) throw notFound(`release v${version} not found`);
  return toRelease(res.rows[0]);
}

/** The app's newest release (whatever its status), or null. */
export async function latestRelease(q: Queryable, appId: string): Promise<Release | null> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 ORDER BY r.version DESC LIMIT 1`, [appId]);
  return res.rows.length === 0 ? null : toRelease(res.rows[0]);
}

/** The app's releases, newest first. */
export async function listReleases(q: Queryable, appId: string, limit = 100): Promise<Release[]> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.app_id = $1 ORDER BY r.version DESC LIMIT $2`, [appId, limit]);
  return res.rows.map(toRelease);
}

/** Releases with an image whose deploy has not ended (pending or deploying), oldest first. */
export async function listUnfinishedReleases(q: Queryable): Promise<Release[]> {
  const res = await q.query<ReleaseRow>(`${SELECT_RELEASE} WHERE r.status IN ('pending', 'deploying') AND r.image IS NOT NULL ORDER BY r.created_at`);
  return res.rows.map(toRelease);
}

/** Lock the app's row until the transaction ends (serialises release numbering); NotFound for a deleted app or one being destroyed. */
export async function lockApp(q: Queryable, appId: string): Promise<void> {
  const res = await q.query('SELECT id FROM apps WHERE id = $1 AND destroying_at IS NULL FOR UPDATE', [appId]);
  if (res.rows.length === 0) throw notFound('app not found');
}

/** Insert the next version of the app's releases; call with the app locked (lockApp). */
export async function insertRelease(q: Queryable, r: NewRelease): Promise<Release> {
  const res = await q.query<{ id: string }>(
    `INSERT INTO releases (app_id, version, build_id, image, config, process_types, app_json, description, user_id)
     SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM releases WHERE app_id = $1
     RETURNING id`,
    [r.appId, r.buildId, r.image, JSON.stringify(r.config), JSON.stringify(r.processTypes),
      r.appJson === null ? null : JSON.stringify(r.appJson), r.description, r.userId]);
  return getRelease(q, res.rows[0].id);
}

/** Set a release's deploy status (and the failure reason); `finished_at` is set when it ends. */
export async function setReleaseStatus(q: Queryable, id: string, status: ReleaseStatus, error: string | null = null): Promise<void> {
  const ended = status === 'succeeded' || status === 'failed';
  await q.query(
    `UPDATE releases SET status = $2, error = $3, finished_at = CASE WHEN $4 THEN now() ELSE NULL END WHERE id = $1`,
    [id, status, error, ended]);
}

/** Make `releaseId` the app's current release (the one serving). */
export async function setCurrentRelease(q: Queryable, appId: string, releaseId: string): Promise<void> {
  await q.query('UPDATE apps SET current_release_id = $2 WHERE id = $1', [appId, releaseId]);
}

/** The app's current release, or null before the first successful deploy. */
export async function currentRelease(q: Queryable, appId: string): Promise<Release | null> {
  const res = await q.query<ReleaseRow>(
    `${SELECT_RELEASE} JOIN apps a ON a.current_release_id = r.id WHERE a.id = $1`, [appId]);
  return res.rows.length === 0 ? null : toRelease(res.rows[0]);
}

/** The current release, else the newest one (whatever its status), else null: what `config` shows and `scale` checks against. */
export async function currentOrLatestRelease(q: Queryable, appId: string): Promise<Release | null> {
  return (await currentRelease(q, appId)) ?? latestRelease(q, appId);
}
