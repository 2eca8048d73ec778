/**
 * tspaasd with neither DATABASE_URL nor REDIS_URL: it makes and runs its own
 * PostgreSQL cluster and redis-server under <root>/platform (unix sockets
 * only), serves, stops both on SIGTERM, keeps the data for the next start,
 * and after a `kill -9` adopts the servers it left running.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { removeCgroupTree } from '../../../runtime/containers/cgroups.js';
import { claimNetworkSlot } from '../../helpers/network-slot.js';
import { freePort } from '../../helpers/postgres.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Daemon { child: ChildProcess; info: { databaseUrl: string; listen: string; pid: number } }

/** True while the process runs (an exited server waiting for init to reap it counts as gone). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const firstLine = (file: string) => Number(readFileSync(file, 'utf8').split('\n')[0]);

/** PING the embedded Redis on its socket. */
function ping(socket: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(socket, () => c.write('PING\r\n'));
    c.on('data', (b) => { resolve(b.toString().trim()); c.end(); });
    c.on('error', (err) => resolve(err.message));
  });
}

test('embedded PostgreSQL and Redis: created, served, stopped on SIGTERM, kept, adopted after kill -9', async (t) => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'tspe-'));
  chmodSync(base, 0o755);
  const root = path.join(base, 'root');
  const run = path.join(base, 'run');
  const logFile = path.join(base, 'tspaasd.log');
  const slot = await claimNetworkSlot();
  const port = await freePort();
  const pgDir = path.join(root, 'platform', 'postgres');
  const redisDir = path.join(root, 'platform', 'redis');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const args = ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--root', root, '--run-root', run, '--cgroup-parent', `/tspaas-test/${path.basename(base)}`,
    '--listen', `127.0.0.1:${port}`, '--log-level', 'info', ...slot.flags];
  let current: ChildProcess | undefined;
  const start = async (): Promise<Daemon> => {
    const child = current = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => { try { appendFileSync(logFile, b); } catch { /* the test's dir is gone */ } });
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
      if (child.exitCode !== null) throw new Error(`tspaasd exited ${child.exitCode}:\n${readFileSync(logFile, 'utf8')}`);
      const info = existsSync(path.join(run, 'platform.json')) ? JSON.parse(readFileSync(path.join(run, 'platform.json'), 'utf8')) as Daemon['info'] : null;
      if (info && info.pid === child.pid) return { child, info };
    }
    throw new Error('tspaasd did not get ready');
  };
  const exit = async (d: Daemon, signal: NodeJS.Signals) => {
    const done = new Promise<number | null>((r) => d.child.once('exit', (code) => r(code)));
    d.child.kill(signal);
    return done;
  };
  t.teardown(async () => {
    if (current && current.exitCode === null && current.signalCode === null) {
      current.kill('SIGTERM');
      await new Promise((r) => current!.once('exit', r));
    }
    for (const f of [path.join(pgDir, 'data', 'postmaster.pid'), path.join(redisDir, 'redis.pid')]) {
      if (existsSync(f)) try { process.kill(firstLine(f), 'SIGKILL'); } catch { /* gone */ }
    }
    await slot.release();
    await removeCgroupTree(`/tspaas-test/${path.basename(base)}`).catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  });
  const query = async (url: string, sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { return (await c.query(sql, params)).rows; } finally { await c.end(); }
  };

  // First start: both made, the schema migrated, the API served; nothing on TCP but the listener.
  let d = await start();
  t.is(d.info.databaseUrl, `postgres://postgres@/tspaas?host=${encodeURIComponent(path.join(pgDir, 'socket'))}`);
  t.deepEqual(await query(d.info.databaseUrl, 'SHOW listen_addresses'), [{ listen_addresses: '' }]);
  t.true((await query(d.info.databaseUrl, 'SELECT count(*)::int AS n FROM schema_migrations'))[0].n >= 2);
  t.is(await ping(path.join(redisDir, 'redis.sock')), '+PONG');
  t.is((await fetch(`${d.info.listen}/v1/health`)).status, 200);
  await query(d.info.databaseUrl, "INSERT INTO teams (name) VALUES ('kept-across-starts')");
  const [pgPid, redisPid] = [firstLine(path.join(pgDir, 'data', 'postmaster.pid')), firstLine(path.join(redisDir, 'redis.pid'))];
  t.regex(readFileSync(logFile, 'utf8'), /"msg":"embedded postgres started"/);

  // SIGTERM: tspaasd stops both, cleanly.
  t.is(await exit(d, 'SIGTERM'), 0);
  t.false(alive(pgPid), 'PostgreSQL stopped');
  t.false(alive(redisPid), 'Redis stopped');
  t.false(existsSync(path.join(pgDir, 'data', 'postmaster.pid')));
  t.false(existsSync(path.join(redisDir, 'redis.sock')));
  t.regex(readFileSync(path.join(pgDir, 'server.log'), 'utf8'), /database system is shut down/);

  // Second start: the same cluster, data kept, no second admin.
  rmSync(logFile);
  d = await start();
  t.deepEqual(await query(d.info.databaseUrl, "SELECT name FROM teams WHERE name = 'kept-across-starts'"), [{ name: 'kept-across-starts' }]);
  t.deepEqual(await query(d.info.databaseUrl, 'SELECT count(*)::int AS n FROM users'), [{ n: 1 }]);
  t.regex(readFileSync(logFile, 'utf8'), /"adopted":false,"msg":"embedded postgres started"/);

  // kill -9: the services keep running; the next start adopts them.
  const [pg2, redis2] = [firstLine(path.join(pgDir, 'data', 'postmaster.pid')), firstLine(path.join(redisDir, 'redis.pid'))];
  await exit(d, 'SIGKILL');
  t.true(alive(pg2) && alive(redis2), 'both outlive a kill -9 of tspaasd');
  d = await start();
  const log = readFileSync(logFile, 'utf8');
  t.regex(log, /"adopted":true,"msg":"embedded postgres adopted"/);
  t.regex(log, /"adopted":true,"msg":"embedded redis adopted"/);
  t.is(firstLine(path.join(pgDir, 'data', 'postmaster.pid')), pg2);
  t.is(firstLine(path.join(redisDir, 'redis.pid')), redis2);
  t.is((await fetch(`${d.info.listen}/v1/health`)).status, 200);
  t.is(await exit(d, 'SIGTERM'), 0);
  t.false(alive(pg2) || alive(redis2), 'an adopted pair is stopped like an own one');
});
