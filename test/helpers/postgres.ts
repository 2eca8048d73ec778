/**
 * Databases for tests: each test file makes its own database on the suite's
 * PostgreSQL (DATABASE_URL, from scripts/services.sh), migrated with the
 * project's runner, and drops it at the end, so files run side by side.
 * Also: a throwaway PostgreSQL cluster of a test's own (initdb + pg_ctl on a
 * private port and data dir) for tests that stop and start the server.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrate } from '../../platform/db/migrate.js';

const execFileP = promisify(execFile);

/** A migrated database of one test file. */
export interface TestDatabase {
  url: string;
  /** Run SQL on it (a pooled connection). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Run `fn` in one transaction on one connection (committed unless it throws). */
  transaction<T>(fn: (q: pg.PoolClient) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

/** The suite's server URL; fails clearly when the services are not up. */
export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with scripts/test.sh or `source scripts/services.sh` first');
  return url;
}

/** Create `<prefix>_<random>` on the server at `baseUrl` (default the suite's), and migrate it. */
export async function createTestDatabase(prefix: string, baseUrl = serverUrl(), opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new URL(baseUrl);
  admin.pathname = '/postgres';
  await withClient(admin.toString(), (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  if (opts.migrate !== false) await migrate(url.toString());
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    query: (sql, params) => pool.query(sql, params),
    async transaction(fn) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    async drop() {
      await pool.end();
      await withClient(admin.toString(), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A PostgreSQL server of one test, on its own port and data dir. */
export interface PrivateCluster {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stop it and delete its data dir. */
  destroy(): Promise<void>;
}

/** initdb + pg_ctl start a private cluster as the postgres user (trust auth, loopback only). */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = (await execFileP('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'])).stdout.trim();
  const base = await mkdtemp(path.join(os.tmpdir(), 'tspaas-pg-'));
  await chmod(base, 0o755);
  const data = path.join(base, 'data');
  const port = await freePort();
  const asPg = (cmd: string, args: string[]) => execFileP('runuser', ['-u', 'postgres', '--', 'env', '-C', '/', path.join(bin, cmd), ...args]);
  await execFileP('install', ['-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', data]);
  await asPg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const start = async () => {
    await asPg('pg_ctl', ['-D', data, '-l', path.join(data, 'server.log'), '-w', '-t', '60',
      '-o', `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  };
  const stop = async () => { await asPg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']); };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start, stop,
    async destroy() {
      await stop().catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
