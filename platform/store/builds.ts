/**
 * Builds: one row per source (git commit) turned into an image. A build goes
 * pending → running → succeeded | failed; a running build found after a
 * crash is simply run again (builds/job.ts), so `markBuildRunning` accepts
 * pending and running rows alike.
 */
import { notFound } from '../../lib/errors.js';
import type { Queryable } from '../db/pool.js';
import type { AppJson, Build } from '../types.js';
import { iso } from './rows.js';

interface BuildRow {
  id: string; app_id: string; user_id: string | null; status: Build['status']; source: string;
  builder: Build['builder']; image: string | null; process_types: Record<string, string>; app_json: AppJson | null;
  error: string | null; created_at: Date; finished_at: Date | null;
}

const toBuild = (r: BuildRow): Build => ({
  id: r.id, appId: r.app_id, userId: r.user_id, status: r.status, source: r.source, builder: r.builder, image: r.image,
  processTypes: r.process_types, appJson: r.app_json, error: r.error, createdAt: iso(r.created_at), finishedAt: iso(r.finished_at),
});

/** What a successful build produced. */
export interface BuildOutput {
  builder: 'dockerfile' | 'buildpacks';
  image: string;
  processTypes: Record<string, string>;
  appJson: AppJson | null;
}

/** Record a new pending build of `source` (a commit) for an app, pushed by `userId`. */
export async function insertBuild(q: Queryable, appId: string, userId: string | null, source: string): Promise<Build> {
  const res = await q.query<BuildRow>(
    'INSERT INTO builds (app_id, user_id, source) VALUES ($1, $2, $3) RETURNING *', [appId, userId, source]);
  return toBuild(res.rows[0]);
}

/** The build with this id, or NotFound. */
export async function getBuild(q: Queryable, id: string): Promise<Build> {
  const res = await q.query<BuildRow>('SELECT * FROM builds WHERE id = $1', [id]);
  if (res.rows.length === 0) throw notFound(`build ${id} not found`);
  return toBuild(res.rows[0]);
}

/** The app's build with this id, or NotFound (also when it belongs to another app). */
export async function getAppBuild(q: Queryable, appId: string, id: string): Promise<Build> {
  const res = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    ? await q.query<BuildRow>('SELECT * FROM builds WHERE id = $1 AND app_id = $2', [id, appId])
    : { rows: [] };
  if (res.rows.length === 0) throw notFound(`build ${id} not found`);
  return toBuild(res.rows[0]);
}

/** The app's builds, newest first. */
export async function listBuilds(q: Queryable, appId: string, limit = 50): Promise<Build[]> {
  const res = await q.query<BuildRow>(
    'SELECT * FROM builds WHERE app_id = $1 ORDER BY created_at DESC, id LIMIT $2', [appId, limit]);
  return res.rows.map(toBuild);
}

/** The app's builds that have not ended (pending or running). */
export async function listUnfinishedBuilds(q: Queryable, appId: string): Promise<Build[]> {
  const res = await q.query<BuildRow>("SELECT * FROM builds WHERE app_id = $1 AND status IN ('pending', 'running') ORDER BY created_at", [appId]);
  return res.rows.map(toBuild);
}

/** pending/running → running (again, after a crash); returns false when the build had already ended. */
export async function markBuildRunning(q: Queryable, id: string): Promise<boolean> {
  const res = await q.query(
    "UPDATE builds SET status = 'running' WHERE id = $1 AND status IN ('pending', 'running')", [id]);
  return res.rowCount === 1;
}

/** running → succeeded with what the build made. */
export async function markBuildSucceeded(q: Queryable, id: string, out: BuildOutput): Promise<Build> {
  const res = await q.query<BuildRow>(
    `UPDATE builds SET status = 'succeeded', builder = $2, image = $3, process_types = $4, app_json = $5, error = NULL, finished_at = now()
      WHERE id = $1 RETURNING *`,
    [id, out.builder, out.image, JSON.stringify(out.processTypes), out.appJson === null ? null : JSON.stringify(out.appJson)]);
  if (res.rows.length === 0) throw notFound(`build ${id} not found`);
  return toBuild(res.rows[0]);
}

/** → failed with the reason the pusher sees. */
export async function markBuildFailed(q: Queryable, id: string, error: string): Promise<Build> {
  const res = await q.query<BuildRow>(
    "UPDATE builds SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 RETURNING *", [id, error]);
  if (res.rows.length === 0) throw notFound(`build ${id} not found`);
  return toBuild(res.rows[0]);
}

/** The id of the release made from this build, or null (none yet: the build job makes it). */
export async function releaseOfBuild(q: Queryable, buildId: string): Promise<string | null> {
  const res = await q.query<{ id: string }>('SELECT id FROM releases WHERE build_id = $1 ORDER BY version LIMIT 1', [buildId]);
  return res.rows.length === 0 ? null : res.rows[0].id;
}

/** Config vars of the app's newest release (the build's environment); empty before any release. */
export async function latestReleaseConfig(q: Queryable, appId: string): Promise<Record<string, string>> {
  const res = await q.query<{ config: Record<string, string> }>(
    'SELECT config FROM releases WHERE app_id = $1 ORDER BY version DESC LIMIT 1', [appId]);
  return res.rows.length === 0 ? {} : res.rows[0].config;
}
