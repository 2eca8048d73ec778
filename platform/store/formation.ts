/**
 * Formation: the desired `type → quantity, plan, memory` of an app. Types
 * without a row fall back to defaults (deploy/formation.ts).
 */
import type { Queryable } from '../db/pool.js';
import type { FormationEntry } from '../types.js';

/** A stored row: `plan` is null in rows written before plans existed (migration 0005); their memory picks one. */
export type StoredFormation = Omit<FormationEntry, 'plan'> & { plan: string | null };

interface FormationRow { type: string; quantity: number; plan: string | null; memory_bytes: string }

const toEntry = (r: FormationRow): StoredFormation => ({ type: r.type, quantity: r.quantity, plan: r.plan, memoryBytes: Number(r.memory_bytes) });

/** The app's formation rows, by type. */
export async function listFormation(q: Queryable, appId: string): Promise<StoredFormation[]> {
  const res = await q.query<FormationRow>('SELECT type, quantity, plan, memory_bytes FROM formation WHERE app_id = $1 ORDER BY type', [appId]);
  return res.rows.map(toEntry);
}

/** Insert or replace these rows. */
export async function upsertFormation(q: Queryable, appId: string, entries: FormationEntry[]): Promise<void> {
  for (const e of entries) {
    await q.query(
      `INSERT INTO formation (app_id, type, quantity, plan, memory_bytes) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_id, type) DO UPDATE SET quantity = EXCLUDED.quantity, plan = EXCLUDED.plan, memory_bytes = EXCLUDED.memory_bytes, updated_at = now()`,
      [appId, e.type, e.quantity, e.plan, e.memoryBytes]);
  }
}

/** Insert rows for types that have none yet (first deploy of a type); existing rows stay. */
export async function insertMissingFormation(q: Queryable, appId: string, entries: FormationEntry[]): Promise<void> {
  for (const e of entries) {
    await q.query(
      'INSERT INTO formation (app_id, type, quantity, plan, memory_bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (app_id, type) DO NOTHING',
      [appId, e.type, e.quantity, e.plan, e.memoryBytes]);
  }
}
