/**
 * The whole platform for end-to-end tests: a real tspaasd (from the sources
 * via tsx) on temporary roots, its own network slot, its own migrated
 * database on the suite's PostgreSQL, the suite's Redis under a key prefix of
 * its own, an HTTP listener on a free loopback port, and a real tspaas-router
 * on the same database. `stop()` leaves nothing behind: containers,
 * networks, cgroups, Redis keys, the database, the roots.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { removeCgroupTree } from '../../runtime/containers/cgroups.js';
import { createEngine } from '../../runtime/engine.js';
import { testLogger } from './engine.js';
import type { NetworkConfig } from '../../runtime/network/types.js';
import { claimNetworkSlot } from './network-slot.js';
import { createTestDatabase, freePort, type TestDatabase } from './postgres.js';
import { startRouter } from './router.js';
import { programArgs } from './programs.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TestPlatform {
  /** http://127.0.0.1:<port> of tspaasd's listener (API, git, dashboard). */
  apiUrl: string;
  /** The admin token of the first start. */
  adminToken: string;
  /** The router's HTTP port on 127.0.0.1 (apps answer as `<app>.localhost`). */
  routerPort: number;
  root: string;
  runRoot: string;
  /** The platform's database (the router's too). */
  db: TestDatabase;
  /** The Redis key prefix of this platform's queues. */
  redisPrefix: string;
  /** A JSON API call (token: the admin's by default); throws with the status and body unless 2xx. */
  api(method: string, urlPath: string, body?: unknown, token?: string): Promise<unknown>;
  /** tspaasd's log (stderr) so far, all starts. */
  log(): Promise<string>;
  /** SIGKILL tspaasd (containers, router, database keep running). */
  kill9(): Promise<void>;
  /** SIGTERM tspaasd; resolves with its exit code once it exited. */
  terminate(): Promise<number | null>;
  /** Start tspaasd again on the same roots, database and Redis prefix; resolves once ready. */
  restart(): Promise<void>;
  /** Remove every container, stop tspaasd and the router, drop the database and keys, delete the roots. */
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** More tspaasd flags (e.g. ['--drain', '500']). */
  args?: string[];
  /** Fill tspaasd's engine root before it starts (e.g. `seedStacks` of stacks.ts). */
  seed?: (engineRoot: string) => Promise<void>;
  /** Run the build in dist/ (`npm run build` first), as an operator's install does, instead of the sources through tsx: for benchmarks. */
  built?: boolean;
}

/** Start router and tspaasd and wait until tspaasd is ready. */
export async function startPlatform(opts: PlatformOptions = {}): Promise<TestPlatform> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('REDIS_URL is not set: run the tests with scripts/test.sh or `source scripts/services.sh` first');
  const base = await mkdtemp(path.join(os.tmpdir(), 'tspp-'));
  await chmod(base, 0o755);
  const root = path.join(base, 'root');
  const runRoot = path.join(base, 'run');
  const logFile = path.join(base, 'tspaasd.log');
  const cgroupParent = `/tspaas-test/${path.basename(base)}`;
  const redisPrefix = `tspaas-test-${randomBytes(4).toString('hex')}`;
  const slot = await claimNetworkSlot();
  const db = await createTestDatabase('platform');
  const router = await startRouter(db.url, { waitForRoutes: false });
  let port = await freePort();
  let apiUrl = `http://127.0.0.1:${port}`;
  const main = opts.built ? [path.join(REPO, 'dist/platform/main.js')] : programArgs('platform/main');
  const argsFor = (port: number) => [...main, '--root', root, '--run-root', runRoot, '--cgroup-parent', cgroupParent,
    '--database-url', db.url, '--redis-url', redisUrl, '--redis-prefix', redisPrefix, '--listen', `127.0.0.1:${port}`,
    '--router-port', String(router.httpPort), '--base-domain', 'localhost', '--log-level', 'info', ...slot.flags, ...(opts.args ?? [])];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(process.execPath, argsFor(port), { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (b: Buffer) => { void appendFile(logFile, b); });
    await waitUntilReady(child, path.join(runRoot, 'platform.json'), logFile);
  };
  const teardown = async () => {
    // tspaasd first, so no reconcile starts containers again; then its engine, opened here, removes what runs.
    if (child) await stopChild(child, 'SIGTERM');
    await removeContainers(root, runRoot, cgroupParent, slot.config).catch((err: unknown) => console.error('platform teardown:', err));
    await router.stop();
    await deleteKeys(redisUrl, redisPrefix);
    await db.drop();
    await slot.release();
    await removeCgroupTree(cgroupParent).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  };
  let adminToken: string;
  try {
    await opts.seed?.(path.join(root, 'engine'));
    // A free port can be taken by another test file between freePort() and tspaasd's listen: then another port.
    for (let attempt = 1; ; attempt++) {
      const failed = await launch().then(() => null, (err: unknown) => err as Error);
      if (failed === null) break;
      if (attempt === 3 || !/EADDRINUSE/.test(failed.message)) throw failed;
      port = await freePort();
      apiUrl = `http://127.0.0.1:${port}`;
    }
    adminToken = (await readFile(path.join(runRoot, 'admin-token'), 'utf8')).trim();
  } catch (err) {
    await teardown();
    throw err;
  }
  return {
    apiUrl, adminToken, routerPort: router.httpPort, root, runRoot, db, redisPrefix,
    api: (method, urlPath, body, token = adminToken) => apiCall(apiUrl, method, urlPath, body, token),
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    kill9: () => stopChild(child!, 'SIGKILL'),
    terminate: async () => { await stopChild(child!, 'SIGTERM'); return child!.exitCode; },
    restart: launch,
    stop: teardown,
  };
}

/** Ready = platform.json names the child's pid (tspaasd writes it last). */
async function waitUntilReady(child: ChildProcess, platformFile: string, logFile: string): Promise<void> {
  // Two minutes: tsx compiles the daemon at start, which takes a while on a busy 2-core host.
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`tspaasd exited (${child.exitCode ?? child.signalCode}):\n${await tail(logFile)}`);
    const info = await readFile(platformFile, 'utf8').then((t) => JSON.parse(t) as { pid: number }, () => null);
    if (info?.pid === child.pid) return;
  }
  child.kill('SIGKILL');
  throw new Error(`tspaasd did not get ready within 120 s:\n${await tail(logFile)}`);
}

async function apiCall(apiUrl: string, method: string, urlPath: string, body: unknown, token: string): Promise<unknown> {
  const res = await fetch(`${apiUrl}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${text}`);
  return text ? JSON.parse(text) as unknown : null;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  // The wait holds no reference: once the child is gone, nothing here keeps the test's process alive.
  await Promise.race([exited, sleep(60_000, undefined, { ref: false }).then(() => child.kill('SIGKILL'))]);
  await exited;
}

/** Every container and network of tspaasd's engine (tspaasd no longer runs), through the engine opened on its roots. */
async function removeContainers(root: string, runRoot: string, cgroupParent: string, network: NetworkConfig): Promise<void> {
  const engine = await createEngine({
    root: path.join(root, 'engine'), runRoot: path.join(runRoot, 'engine'), runtime: 'auto', cgroupParent, seccompProfile: '', network,
  }, testLogger());
  try {
    for (const c of await engine.listContainers({ all: true })) {
      await engine.removeContainer(c.record.id, { force: true }).catch(() => undefined);
    }
    await engine.purgeNetworks().catch(() => undefined);
  } finally {
    await engine.close();
  }
}

/** Delete this platform's queue keys from the shared Redis. */
async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch { /* the suite's Redis is gone: nothing to clean */ } finally {
    redis.disconnect();
  }
}

async function tail(file: string, lines = 40): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-lines).join('\n');
}
