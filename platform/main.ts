#!/usr/bin/env node
/**
 * `tspaasd` entry point: the only place that reads argv and the environment.
 * Starts the parts in order, each pushed on a list that SIGTERM/SIGINT closes
 * in reverse:
 *
 *   pid file → PostgreSQL and Redis (embedded, or the given URLs) → migrations
 *   → db pool → engine + Engine API socket → event bus → scheduler, builder,
 *   deployer, jobs (bull workers) → git receiver, API → the HTTP listener
 *   → first-start admin token → reconcile every app → audit retention timer
 *   → <run>/platform.json
 *
 * so shutdown closes the listener first, then the API, jobs, db, engine, and
 * the embedded services last. Containers keep running: they live under their
 * conmon monitors. With --engine-only, only the engine and its socket run.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { TspaasError, conflict, isKind } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fs.js';
import { createEngine } from '../runtime/engine.js';
import { prepareHost } from '../runtime/host.js';
import { serveEngineApi } from '../runtime/api/server.js';
import type { Engine } from '../runtime/types.js';
import { DEFAULT_AUDIT_RETENTION_DAYS, parseDaemonArgs, USAGE, type DaemonConfig } from './config.js';
import { buildpackBuilder } from '../buildpacks/serve.js';
import { migrate } from './db/migrate.js';
import { openDb, type Db } from './db/pool.js';
import { createEventBus } from './events.js';
import { listen } from './http.js';
import { startEmbeddedPostgres } from './services/postgres.js';
import { startEmbeddedRedis } from './services/redis.js';
import { buildPlan, planMisfits } from './plans.js';
import { hostCapacity } from '../runtime/containers/resources.js';
import type { PlatformDeps } from './types.js';
import { livePid } from '../lib/process.js';
import type { PlatformInfo } from '../lib/run-files.js';
import { packageVersion } from '../lib/package-version.js';

/** A running part of tspaasd. */
interface Service {
  name: string;
  close(): Promise<void>;
}

/** This file's folder: the package is found above it (from dist/ and from source). */
const HERE = path.dirname(fileURLToPath(import.meta.url));

const command = parseOrExit();
if (command.kind === 'help') process.stdout.write(USAGE);
if (command.kind === 'version') process.stdout.write(`tspaasd ${packageVersion(HERE)}\n`);
if (command.kind === 'run') await main(command.config);

async function main(config: Readonly<DaemonConfig>): Promise<void> {
  const log = pino({ name: 'tspaasd', level: config.logLevel }, pino.destination({ fd: 2, sync: true }));
  process.on('unhandledRejection', (err) => { log.fatal({ err }, 'unhandled rejection'); process.exit(1); });
  const services: Service[] = [];
  // The signal handlers come first: a SIGTERM while the parts start (even
  // after platform.json is written) waits for the start, then closes them all.
  let stopping = false;
  let started: Promise<void> = Promise.resolve();
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down; containers keep running');
    void started
      .then(() => closeAll(services, log))
      .then(() => Promise.all([config.pidFile, config.platformFile].map((f) => fsp.rm(f, { force: true }))))
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  started = start(config, log, services);
}

/** Start every part; on a failure close what started and exit 1. */
async function start(config: Readonly<DaemonConfig>, log: Logger, services: Service[]): Promise<void> {
  let ready: Record<string, unknown>;
  try {
    await claimPidFile(config.pidFile);
    const engine = await startEngine(config, log, services);
    ready = config.engineOnly ? { socket: config.socketPath } : await startPlatform(config, engine, log, services);
  } catch (err) {
    log.fatal({ err }, err instanceof TspaasError ? err.message : 'tspaasd failed to start');
    await closeAll(services, log);
    if (!isKind(err, 'Conflict')) await fsp.rm(config.pidFile, { force: true });
    process.exit(1);
  }
  log.info({ ...ready, root: config.root, version: config.version }, 'tspaasd ready');
}

/** The engine and its API socket. */
async function startEngine(config: Readonly<DaemonConfig>, log: Logger, services: Service[]): Promise<Engine> {
  const prepared = await prepareHost();
  for (const action of prepared.actions) log.info({ action }, 'host prepared');
  const engine = await createEngine(config.engine, log.child({ part: 'engine' }));
  const { storageQuota } = await engine.info();
  if (storageQuota.backend === 'none') log.warn({ reason: storageQuota.reason }, 'DISK IS NOT BOUNDED: containers, volumes and builds can fill the host disk (docs/engine.md, "Disk quotas")');
  const api = await serveEngineApi(engine, {
    socketPath: config.socketPath, socketGroup: config.socketGroup, version: config.version, logger: log.child({ part: 'engine-api' }),
    sourceBuilder: buildpackBuilder(engine, buildCaches(config)),
  }).catch(async (err: unknown) => { await engine.close(); throw err; });
  log.info({ runtime: engine.config.runtime, root: config.engine.root, socket: config.socketPath }, 'engine started');
  services.push({ name: 'engine', close: async () => { await api.close(); await engine.close(); } });
  return engine;
}

/** Everything besides the engine; resolves with what the ready line reports. */
async function startPlatform(config: Readonly<DaemonConfig>, engine: Engine, log: Logger, services: Service[]): Promise<Record<string, unknown>> {
  const { databaseUrl, redisUrl } = await startStores(config, log, services);
  const db = await openDatabase(databaseUrl, log, services);
  // Issue 17, part 1: the one-offs the last start counted are no longer watched (control/one-offs.ts); they stop counting.
  await (await import('./store/quotas.js')).clearOneOffRuns(db);
  const deps = await startParts(config, db, engine, redisUrl, log, services);
  const { createGitReceiver } = await import('./git/receiver.js');
  const { createApi } = await import('./api/server.js');
  const git = await createGitReceiver(deps);
  services.push({ name: 'git', close: () => git.close() });
  const api = createApi(deps, { version: config.version });
  services.push({ name: 'api', close: () => api.close() });
  const listener = await listen(config.platform.listen, { git, api }, log.child({ part: 'http' }));
  services.push({ name: 'http', close: () => listener.close() });
  await announceAdminToken(config, db, log);
  await reconcileAll(deps);
  const { startAuditRetention } = await import('./jobs/audit-retention.js');
  const retention = startAuditRetention(db, config.platform.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS, log.child({ part: 'audit' }));
  services.push({ name: 'audit-retention', close: () => retention.close() });
  const published: PlatformInfo = { databaseUrl, listen: listener.url, publicUrl: config.platform.publicUrl, pid: process.pid };
  await writeFileAtomic(config.platformFile, `${JSON.stringify(published, null, 2)}\n`, { mode: 0o600 });
  return { listen: listener.url, publicUrl: config.platform.publicUrl, socket: config.socketPath };
}

/** PostgreSQL and Redis: the given URLs, or the embedded servers (stopped last on shutdown). */
async function startStores(config: Readonly<DaemonConfig>, log: Logger, services: Service[]): Promise<{ databaseUrl: string; redisUrl: string }> {
  const embedded = async (start: typeof startEmbeddedPostgres) => {
    const s = await start(config.platform.dataDir, config.root);
    log.info({ serverPid: s.pid, url: s.url, adopted: s.adopted }, `embedded ${s.name} ${s.adopted ? 'adopted' : 'started'}`);
    services.push({ name: s.name, close: () => s.stop() });
    return s.url;
  };
  const databaseUrl = config.databaseUrl ?? await embedded(startEmbeddedPostgres);
  const redisUrl = config.redisUrl ?? await embedded(startEmbeddedRedis);
  return { databaseUrl, redisUrl };
}

/** Migrate, then open the pool. */
async function openDatabase(url: string, log: Logger, services: Service[]): Promise<Db> {
  const applied = await migrate(url);
  if (applied.length) log.info({ applied }, 'database migrated');
  const db = await openDb(url);
  services.push({ name: 'db', close: () => db.close() });
  return db;
}

/** The parts behind the contracts of types.ts, in one deps object (parts.ts); the scheduler and the builder on `engine`. */
async function startParts(config: Readonly<DaemonConfig>, db: Db, engine: Engine, redisUrl: string, log: Logger, services: Service[]): Promise<PlatformDeps> {
  const [{ createLocalScheduler }, { createBuilder }, { assembleParts }] = await Promise.all([
    import('./scheduler/local.js'), import('./builds/builder.js'), import('./parts.js'),
  ]);
  for (const why of planMisfits(config.platform.plans, hostCapacity())) log.warn(`${why}: that plan is refused when asked for`);
  const deps = await assembleParts({
    config: config.platform, db, log,
    events: createEventBus(log.child({ part: 'events' })),
    scheduler: createLocalScheduler(engine, config.platform, log.child({ part: 'scheduler' })),
    builder: createBuilder(engine, {
      cacheRoot: buildCaches(config), plan: buildPlan(config.platform.plans),
      downloads: { dir: path.join(config.platform.dataDir, 'downloads') }, // issue 14 part S: the host's download store
    }),
    jobs: { redisUrl, prefix: config.redisPrefix, log: log.child({ part: 'jobs' }) },
  });
  services.push({ name: 'deployer', close: () => deps.deployer.close() }, { name: 'jobs', close: () => deps.jobs.close() });
  return deps;
}

/** First start: log the admin token once and leave it in <run>/admin-token (0600) for `tspaas up`. */
async function announceAdminToken(config: Readonly<DaemonConfig>, db: Db, log: Logger): Promise<void> {
  const { bootstrapAdmin } = await import('./auth/bootstrap.js');
  const token = await bootstrapAdmin(db);
  if (token === null) return;
  await writeFileAtomic(config.adminTokenFile, `${token}\n`, { mode: 0o600 });
  log.info(`first start: admin token ${token} (log in with: tspaas login ${config.platform.publicUrl} --token ${token})`);
}

/**
 * After a start (maybe a host reboot): deploys whose job is gone are marked
 * failed (a job still queued or active carries on), every app's processes are
 * brought back in line with its formation, and the erase of every app still
 * being destroyed is resumed (queued anew when its job ended or is gone).
 */
async function reconcileAll(deps: PlatformDeps): Promise<void> {
  const { listApps, listDestroyingApps } = await import('./store/apps.js');
  const { listUnfinishedReleases } = await import('./store/releases.js');
  for (const release of await listUnfinishedReleases(deps.db)) {
    const state = await deps.jobs.deployState(release.id);
    if (state === 'completed' || state === 'failed' || state === 'missing') {
      await deps.deployer.abandonRelease(release.id, 'the deploy was interrupted (tspaasd stopped) and its job is gone; push again or roll back');
    }
  }
  for (const app of await listApps(deps.db, null)) await deps.jobs.enqueueReconcile(app.id);
  for (const app of await listDestroyingApps(deps.db)) await deps.jobs.enqueueErase(app.id);
}

function buildCaches(config: Readonly<DaemonConfig>): string {
  return path.join(config.platform.dataDir, 'build-caches');
}

/** Refuse to start next to a live tspaasd; otherwise write our pid. */
async function claimPidFile(pidFile: string): Promise<void> {
  const old = await livePid(pidFile);
  if (old !== undefined && old !== process.pid) throw conflict(`tspaasd is already running (pid ${old}, ${pidFile})`);
  await fsp.mkdir(path.dirname(pidFile), { recursive: true });
  await writeFileAtomic(pidFile, `${process.pid}\n`);
}

async function closeAll(services: Service[], log: Logger): Promise<void> {
  for (const s of [...services].reverse()) {
    await s.close().catch((err: unknown) => log.error({ err, service: s.name }, 'close failed'));
  }
}


function parseOrExit(): ReturnType<typeof parseDaemonArgs> {
  try {
    return parseDaemonArgs(process.argv.slice(2), process.env, packageVersion(HERE));
  } catch (err) {
    process.stderr.write(`tspaasd: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
