/**
 * The embedded PostgreSQL: one cluster under `<dataDir>/postgres`, made with
 * Debian's binaries (/usr/lib/postgresql/<newest>/bin) the first time, run as
 * the `postgres` OS user (PostgreSQL refuses root), reachable only on a unix
 * socket in `<dataDir>/postgres/socket` (0700, no TCP), trust auth there, and
 * one database, `tspaas`. See types.ts for the lifecycle.
 *
 *   <dataDir>/postgres/data        the cluster (PGDATA)
 *   <dataDir>/postgres/socket      .s.PGSQL.5432
 *   <dataDir>/postgres/server.log  the server's log
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { invalid, unavailable } from '../../lib/errors.js';
import { run } from '../../lib/exec.js';
import { livePid } from '../../lib/process.js';
import { asUser, openPath, ownedDir, runDetached, waitForExit } from './process.js';
import type { EmbeddedService } from './types.js';

const USER = 'postgres';
const DATABASE = 'tspaas';
/** sun_path holds 107 bytes; the socket's name adds 14. */
const MAX_SOCKET_DIR = 107 - '/.s.PGSQL.5432'.length;

/** Where the embedded cluster lives under the platform's data dir. */
export function postgresPaths(dataDir: string) {
  const dir = path.join(dataDir, 'postgres');
  return { dir, data: path.join(dir, 'data'), socket: path.join(dir, 'socket'), log: path.join(dir, 'server.log'), ctlLog: path.join(dir, 'pg_ctl.log') };
}

/** The URL of database `tspaas` on the embedded cluster's socket. */
export function postgresUrl(socketDir: string): string {
  return `postgres://${USER}@/${DATABASE}?host=${encodeURIComponent(socketDir)}`;
}

/** Create (once), start or adopt the embedded cluster; make sure database `tspaas` exists. */
export async function startEmbeddedPostgres(dataDir: string, root: string): Promise<EmbeddedService> {
  const bin = await postgresBin();
  const p = postgresPaths(dataDir);
  if (p.socket.length > MAX_SOCKET_DIR) throw invalid(`the embedded PostgreSQL socket dir ${p.socket} is too long for a unix socket: use a shorter --root`);
  if (/['"\\$`\s]/.test(p.dir)) throw invalid(`the embedded PostgreSQL dir ${p.dir} must not hold quotes, spaces or shell characters`);
  await fsp.mkdir(dataDir, { recursive: true });
  await ownedDir(p.dir, USER, 0o700);
  await openPath(root, p.dir, USER);
  await ownedDir(p.socket, USER, 0o700);
  if (!existsSync(path.join(p.data, 'PG_VERSION'))) await initCluster(bin, p.data, p.dir);
  const ctl = (args: string[]) => asUser(USER, path.join(bin, 'pg_ctl'), ['-D', p.data, ...args]);
  let pid = await livePid(path.join(p.data, 'postmaster.pid'));
  const adopted = pid !== undefined;
  if (!adopted) {
    const [cmd, args] = ctl(['-l', p.log, '-w', '-t', '120', '-o', `-c listen_addresses='' -k '${p.socket}' -c unix_socket_permissions=0700`, 'start']);
    await runDetached(cmd, args, p.ctlLog).catch((err: unknown) => { throw unavailable(`the embedded PostgreSQL did not start (see ${p.log}): ${(err as Error).message}`, err); });
    pid = await livePid(path.join(p.data, 'postmaster.pid'));
  }
  if (pid === undefined) throw unavailable(`the embedded PostgreSQL did not start: no postmaster.pid in ${p.data}`);
  await ensureDatabase(p.socket);
  const postmaster = pid;
  return {
    name: 'postgres', url: postgresUrl(p.socket), pid: postmaster, adopted,
    async stop() {
      const [cmd, args] = ctl(['-m', 'fast', '-w', '-t', '60', 'stop']);
      await run(cmd, args, { allowFailure: true });
      if (!(await waitForExit(postmaster, 10_000))) throw unavailable(`the embedded PostgreSQL (pid ${postmaster}) did not stop`);
    },
  };
}

/** The newest installed PostgreSQL's bin dir; a clear error naming the package when there is none. */
export async function postgresBin(): Promise<string> {
  const versions = await fsp.readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
    .find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(path.join(dir, b))));
  if (!newest) throw unavailable('PostgreSQL server binaries not found in /usr/lib/postgresql/<version>/bin: install Debian\'s postgresql package (apt-get install postgresql), or set DATABASE_URL');
  return newest;
}

/** initdb: superuser `postgres`, trust on the socket, no TCP clients at all. */
async function initCluster(bin: string, data: string, dir: string): Promise<void> {
  await fsp.rm(data, { recursive: true, force: true }); // a half-made cluster of an interrupted initdb
  const [cmd, args] = asUser(USER, path.join(bin, 'initdb'),
    ['-D', data, '-U', USER, '--auth-local=trust', '--auth-host=reject', '-E', 'UTF8', '--locale=C.UTF-8']);
  await run(cmd, args).catch((err: unknown) => { throw unavailable(`initdb of the embedded PostgreSQL in ${dir} failed: ${(err as Error).message}`, err); });
}

/** CREATE DATABASE tspaas unless it exists. */
async function ensureDatabase(socketDir: string): Promise<void> {
  const client = new pg.Client({ host: socketDir, user: USER, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}
