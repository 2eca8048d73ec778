/**
 * Apps and releases as plain data for the scheduler's tests (the scheduler
 * takes data in; no database involved), and a scheduler on a test engine.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pino } from 'pino';
import test from 'ava';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import type { App, PlatformConfig, Release, Scheduler } from '../../../platform/types.js';
import { testPlans } from '../../helpers/plans.js';

export const PORT = 5000;

/** Busybox httpd answering `<DYNO> <MESSAGE>` on $PORT. */
export const HTTPD = 'mkdir -p /www && echo "$DYNO $MESSAGE" > /www/index.html && exec httpd -f -p $PORT -h /www';

let nextTeamRange = 0;
/** A team's user namespace range as migration 0005 hands them out (each test app its own team, so its own range). */
export function testTeamRange(): number {
  return 1073741824 + 65536 * (nextTeamRange++ + (process.pid % 1000) * 16);
}

/** An app of a team (IDs random, name as given). */
export function makeApp(name: string): App {
  return { id: randomUUID(), name, teamId: randomUUID(), teamName: 'team', teamUsernsHostId: testTeamRange(), currentReleaseId: null, createdAt: new Date().toISOString() };
}

/** Release vN of `app` running busybox with these process types and config vars. */
export function makeRelease(app: App, version: number, processTypes: Record<string, string>, config: Record<string, string> = {}): Release {
  return {
    id: randomUUID(), appId: app.id, version, buildId: null, image: 'busybox:latest', config, processTypes,
    appJson: null, description: `Deploy v${version}`, userId: null, userEmail: null, status: 'succeeded',
    error: null, createdAt: new Date().toISOString(), finishedAt: null,
  };
}

/** The platform config the scheduler reads (deploy tuning, and `dataDir` for the log archive). */
export function platformConfig(dataDir: string): PlatformConfig {
  return {
    dataDir, runDir: '/nonexistent', listen: { host: '127.0.0.1', port: 0 }, publicUrl: 'http://127.0.0.1',
    baseDomain: 'localhost', routerPort: 80,
    deploy: {
      port: PORT, checkAttempts: 3, checkIntervalMs: 100, checkTimeoutMs: 1000,
      settleMs: 100, drainMs: 100, stopGraceSeconds: 2,
    },
    maxPushBytes: 1024 ** 3,
    plans: testPlans(128 * 1024 * 1024),
  };
}

/** The local scheduler on the test engine, its data next to the engine's (removed with it). */
export function scheduler(te: TestEngine): Scheduler {
  return createLocalScheduler(te.engine, platformConfig(path.join(path.dirname(te.config.root), 'platform')), pino({ level: 'silent' }));
}

/** Poll `check` until it returns a value (not undefined/false) or `ms` pass. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The test engine and scheduler all tests of a file share. */
export interface SchedulerBed {
  te: TestEngine;
  s: Scheduler;
}

/** A scheduler on a test engine with busybox, made before the file's tests and removed after them (call at the file's top level). */
export function schedulerBed(): SchedulerBed {
  const bed = {} as SchedulerBed;
  test.before(async () => {
    bed.te = await startTestEngine();
    await bed.te.engine.ensureImage('busybox:latest');
    bed.s = scheduler(bed.te);
  });
  test.after.always(async () => { await bed.te?.cleanup(); });
  return bed;
}
