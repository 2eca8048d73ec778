/**
 * The platform parts a build or a push needs, for the git and build tests:
 * a migrated database of the test file, the real engine in temporary roots
 * on its own network slot, the event bus, bull queues on the suite's Redis
 * under a prefix of their own whose build worker runs `runBuildJob`, the real
 * Builder, scheduler and deployer, assembled as tspaasd does (platform/parts.ts);
 * two teams with a user, a token and an app each.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openDb, type Db } from '../../../platform/db/pool.js';
import { createEventBus } from '../../../platform/events.js';
import { createBuilder } from '../../../platform/builds/builder.js';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import { assembleParts } from '../../../platform/parts.js';
import { issueToken } from '../../../platform/auth/tokens.js';
import { insertApp } from '../../../platform/store/apps.js';
import { insertUser } from '../../../platform/store/users.js';
import type { App, PlatformConfig, PlatformDeps } from '../../../platform/types.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { testPlans } from '../../helpers/plans.js';

export interface Tenant { team: string; teamId: string; userId: string; token: string; app: App }

export interface BuildWorld {
  deps: PlatformDeps;
  db: Db;
  testDb: TestDatabase;
  engine: TestEngine;
  base: string;
  a: Tenant;
  b: Tenant;
  cleanup(): Promise<void>;
}

/** Everything above, with the real deployer. */
export async function startBuildWorld(prefix: string): Promise<BuildWorld> {
  const testDb = await createTestDatabase(prefix);
  const db = await openDb(testDb.url, 6);
  const engine = await startTestEngine();
  const base = await mkdtemp(path.join(os.tmpdir(), 'tsp-git-'));
  const config = platformConfig(base);
  const log = pino({ level: 'silent' });
  const deps = await assembleParts({
    config, db, log, events: createEventBus(log),
    builder: createBuilder(engine.engine, { cacheRoot: path.join(base, 'data', 'cache') }),
    scheduler: createLocalScheduler(engine.engine, config, log),
    jobs: { redisUrl: redisUrl(), prefix: `tbuild-${randomBytes(4).toString('hex')}`, log, tuning: { backoffMs: 200, closeGraceMs: 1000 } },
  });
  const a = await tenant(db, `ta${randomBytes(3).toString('hex')}`, `${prefix}-shop`);
  const b = await tenant(db, `tb${randomBytes(3).toString('hex')}`, `${prefix}-other`);
  return {
    deps, db, testDb, engine, base, a, b,
    async cleanup() {
      await deps.jobs.close();
      await deps.deployer.close();
      await db.close();
      await engine.cleanup();
      await testDb.drop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** A team with one user (and an API token) owning one app. */
async function tenant(db: Db, team: string, appName: string): Promise<Tenant> {
  const teamId = (await db.query<{ id: string }>('INSERT INTO teams (name) VALUES ($1) RETURNING id', [team])).rows[0].id;
  const userId = await insertUser(db, `${team}@example.com`, false);
  await db.query('INSERT INTO memberships (team_id, user_id) VALUES ($1, $2)', [teamId, userId]);
  const { token } = await issueToken(db, userId, { name: 'test' });
  const app = await insertApp(db, appName, teamId);
  return { team, teamId, userId, token, app };
}

function platformConfig(base: string): PlatformConfig {
  return {
    dataDir: path.join(base, 'data'), runDir: path.join(base, 'run'), listen: { host: '127.0.0.1', port: 0 },
    publicUrl: 'http://127.0.0.1', baseDomain: 'localhost', routerPort: 8080,
    deploy: {
      port: 5000, checkAttempts: 20, checkIntervalMs: 250, checkTimeoutMs: 1000,
      settleMs: 200, drainMs: 100, stopGraceSeconds: 2,
    },
    maxPushBytes: 1024 ** 3,
    plans: testPlans(128 * 1024 * 1024),
  };
}

function redisUrl(): string {
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set: source scripts/services.sh first');
  return process.env.REDIS_URL;
}
