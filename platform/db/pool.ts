/**
 * The platform's PostgreSQL access: one pool per process, plain SQL, and a
 * transaction helper. store/ modules take a `Db` (or a `Queryable` inside a
 * transaction) and return plain data; nothing else writes SQL.
 */
import pg from 'pg';
import { unavailable } from '../../lib/errors.js';

/** A pool or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface Db extends Queryable {
  /** Run `fn` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Run `fn` holding the session advisory lock `key` (waits for it); the lock
   * goes with the connection, so a crashed holder frees it.
   */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Open a pool on `url` and check that it answers. */
export async function openDb(url: string, max = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined); // idle clients that lose the server are replaced on next use
  await pool.query('SELECT 1').catch(async (err: unknown) => {
    await pool.end();
    throw unavailable(`cannot connect to PostgreSQL: ${(err as Error).message}`, err);
  });
  return {
    query: (sql, params) => pool.query(sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async withLock(key, fn) {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
        }
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
