/**
 * A deploy test bed: a real engine on its own network slot, a migrated
 * database of the file's own, the real local scheduler and builder, event
 * bus, bull queues on the suite's Redis wired to a real deployer, assembled
 * as tspaasd does (platform/parts.ts), and helpers to make teams, apps and
 * builds of busybox images.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { openDb } from '../../../platform/db/pool.js';
import { createEventBus } from '../../../platform/events.js';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import { createBuilder } from '../../../platform/builds/builder.js';
import type { DeployerOptions } from '../../../platform/deploy/index.js';
import { assembleParts } from '../../../platform/parts.js';
import { getAppById, insertApp } from '../../../platform/store/apps.js';
import type { App, Build, PlatformConfig, PlatformDeps, PlatformEvent, Release } from '../../../platform/types.js';
import { testPlans } from '../../helpers/plans.js';

export const PORT = 5000;

/** Busybox httpd answering `$GREETING` (a config var) on $PORT. */
export const WEB = 'mkdir -p /tmp/w && echo "$GREETING" > /tmp/w/index.html && exec httpd -f -p $PORT -h /tmp/w';
export const WORKER = 'echo working; exec sleep 3600';

export interface Bed {
  deps: PlatformDeps;
  te: TestEngine;
  db: TestDatabase;
  events: PlatformEvent[];
  newApp(name: string): Promise<App>;
  /** A succeeded build row of busybox with these process types. */
  newBuild(app: App, processTypes: Record<string, string>, appJson?: Build['appJson']): Promise<Build>;
  app(id: string): Promise<App>;
  backends(app: App): Promise<string[]>;
  close(): Promise<void>;
}

/** Start everything; `tuning` overrides the fast deploy defaults of tests. */
export async function startBed(prefix: string, opts: DeployerOptions = {}): Promise<Bed> {
  const te = await startTestEngine();
  await te.engine.ensureImage('busybox:latest');
  const tdb = await createTestDatabase(prefix);
  const db = await openDb(tdb.url);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tsp-deploy-'));
  const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const config: PlatformConfig = {
    dataDir, runDir: dataDir, listen: { host: '127.0.0.1', port: 0 }, publicUrl: 'http://127.0.0.1', baseDomain: 'localhost', routerPort: 80,
    deploy: { port: PORT, checkAttempts: 40, checkIntervalMs: 100, checkTimeoutMs: 1000, settleMs: 300, drainMs: 200, stopGraceSeconds: 1 },
    maxPushBytes: 1024 ** 3,
    plans: testPlans(64 << 20),
  };
  const events: PlatformEvent[] = [];
  const bus = createEventBus(log);
  const deps = await assembleParts({
    config, db, log, events: { publish: (e: PlatformEvent) => { events.push(e); bus.publish(e); }, subscribe: bus.subscribe },
    scheduler: createLocalScheduler(te.engine, config, log),
    builder: createBuilder(te.engine, { cacheRoot: path.join(dataDir, 'build-caches') }),
    jobs: { redisUrl: process.env.REDIS_URL!, prefix: `tdeploy-${randomBytes(4).toString('hex')}`, log, tuning: { backoffMs: 200 } },
    deployer: opts,
  });
  const team = (await db.query<{ id: string }>(`INSERT INTO teams (name) VALUES ('t${randomBytes(3).toString('hex')}') RETURNING id`)).rows[0].id;
  return {
    deps, te, db: tdb, events,
    newApp: (name) => insertApp(db, name, team),
    async newBuild(app, processTypes, appJson = null) {
      const source = randomBytes(20).toString('hex');
      const row = (await db.query<{ id: string; created_at: Date }>(
        `INSERT INTO builds (app_id, status, source, builder, image, process_types, app_json, finished_at)
         VALUES ($1, 'succeeded', $2, 'dockerfile', 'busybox:latest', $3, $4, now()) RETURNING id, created_at`,
        [app.id, source, JSON.stringify(processTypes), appJson && JSON.stringify(appJson)])).rows[0];
      return { id: row.id, appId: app.id, userId: null, status: 'succeeded', source, builder: 'dockerfile', image: 'busybox:latest',
        processTypes, appJson, error: null, createdAt: row.created_at.toISOString(), finishedAt: row.created_at.toISOString() };
    },
    app: async (id) => (await getAppById(db, id))!,
    async backends(app) {
      const res = await db.query<{ b: string }>(`SELECT host(address) || ':' || port AS b FROM router_backends WHERE app = $1 ORDER BY 1`, [app.name]);
      return res.rows.map((r) => r.b);
    },
    async close() {
      await deps.jobs.close();
      await deps.deployer.close();
      await db.close();
      await te.cleanup();
      await tdb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The release's deploy to its end. */
export async function deployed(bed: Bed, release: Release): Promise<Release> {
  return bed.deps.deployer.waitForRelease(release.id);
}

/** GET http://<backend>/ → body (trimmed). */
export function fetchText(backend: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://${backend}/`, { timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Poll until `check` gives a truthy value. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
