/**
 * Schema migrations: the SQL files in platform/db/migrations, named
 * `NNNN_name.sql`, applied in order of their number. Each file runs in its own
 * transaction and is recorded in `schema_migrations` in the same transaction,
 * so a failed file leaves nothing behind and is retried next time. Runs of
 * several processes are serialized with a PostgreSQL advisory lock; running
 * again when everything is applied does nothing.
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { invalid, unavailable } from '../../lib/errors.js';

/** Advisory lock key held while migrating (any constant other code does not use). */
const LOCK_KEY = 7_461_700_001;
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** One migration file. */
export interface Migration {
  version: string;
  name: string;
  file: string;
}

/** The migrations shipped with tspaas (works from the sources and from dist/). */
export function defaultMigrationsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const beside = path.join(here, 'migrations');
  return existsSync(beside) ? beside : path.resolve(here, '../../../platform/db/migrations');
}

/** The migration files of `dir`, in order; two files with one number are refused. */
export async function listMigrations(dir = defaultMigrationsDir()): Promise<Migration[]> {
  const found: Migration[] = [];
  for (const entry of (await fsp.readdir(dir)).sort()) {
    const m = FILE_NAME.exec(entry);
    if (!m) continue;
    if (found.some((f) => f.version === m[1])) throw invalid(`two migrations numbered ${m[1]} in ${dir}`);
    found.push({ version: m[1], name: m[2], file: path.join(dir, entry) });
  }
  return found;
}

/**
 * Bring the database at `databaseUrl` up to date; returns the versions applied
 * by this call (empty when there was nothing to do).
 */
export async function migrate(databaseUrl: string, dir = defaultMigrationsDir()): Promise<string[]> {
  const migrations = await listMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect().catch((err: unknown) => { throw unavailable(`cannot connect to PostgreSQL: ${(err as Error).message}`, err); });
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of migrations.filter((x) => !done.has(x.version))) {
      await applyOne(client, m);
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** Run one file and record it, all in one transaction. */
async function applyOne(client: pg.Client, m: Migration): Promise<void> {
  const sql = await fsp.readFile(m.file, 'utf8');
  await client.query('BEGIN');
  try {
    await client.query(sql);
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw invalid(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, err);
  }
}
