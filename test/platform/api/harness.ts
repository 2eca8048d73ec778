/**
 * The platform API of one test file on a loopback port: its own migrated
 * database, the real koa app and git receiver behind tspaasd's listener
 * (platform/http.ts, with WebSocket upgrades), the bootstrap admin's token,
 * and helpers to call it and to make tenants.
 * Parts a test does not hand in (scheduler, deployer, jobs, builder)
 * refuse every call with Unavailable, so a test shows they were never
 * reached (ownership and validation answer before them).
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { unavailable } from '../../../lib/errors.js';
import { createApi } from '../../../platform/api/server.js';
import { createGitReceiver } from '../../../platform/git/receiver.js';
import { listen } from '../../../platform/http.js';
import { bootstrapAdmin } from '../../../platform/auth/bootstrap.js';
import { openDb, type Db } from '../../../platform/db/pool.js';
import { createEventBus } from '../../../platform/events.js';
import type { PlatformConfig, PlatformDeps } from '../../../platform/types.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { testPlans } from '../../helpers/plans.js';

export interface Reply { status: number; headers: http.IncomingHttpHeaders; body: unknown; text: string }

export interface TestApi {
  url: string;
  port: number;
  db: Db;
  tdb: TestDatabase;
  config: PlatformConfig;
  adminToken: string;
  /** The parts the API runs on. */
  deps: PlatformDeps;
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Reply>;
  /** A team `name` with one user `<name>@test` and their token, made through the API by the admin. */
  tenant(name: string): Promise<{ team: string; email: string; token: string }>;
  close(): Promise<void>;
}

/** Something a test did not hand in: every use is an error. */
export function absent<T extends object>(what: string): T {
  return new Proxy({} as T, { get: (_t, prop) => prop === 'then' ? undefined : () => { throw unavailable(`${what} is not part of this test`); } });
}

/** Start the API on 127.0.0.1 with the given parts (the others absent) and config fields (the others test defaults). */
export async function startApi(prefix: string, parts: Partial<PlatformDeps> = {}, configFields: Partial<PlatformConfig> = {}): Promise<TestApi> {
  const tdb = await createTestDatabase(prefix);
  const db = await openDb(tdb.url, 6);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tsp-api-'));
  const config: PlatformConfig = {
    dataDir, runDir: dataDir, listen: { host: '127.0.0.1', port: 0 }, publicUrl: 'http://127.0.0.1:5080/', baseDomain: 'localhost', routerPort: 8080,
    deploy: { port: 5000, checkAttempts: 30, checkIntervalMs: 500, checkTimeoutMs: 2000, settleMs: 2000, drainMs: 2000, stopGraceSeconds: 10 },
    maxPushBytes: 1024 ** 3,
    plans: testPlans(),
    ...configFields,
  };
  const deps: PlatformDeps = {
    config, db, events: createEventBus(), log: pino({ level: 'silent' }),
    jobs: absent('jobs'), builder: absent('builder'), scheduler: absent('scheduler'), deployer: absent('deployer'),
    ...parts,
  };
  const api = createApi(deps, { version: '9.9.9-test' });
  const git = await createGitReceiver(deps);
  const listener = await listen({ host: '127.0.0.1', port: 0 }, { git, api }, deps.log);
  const url = listener.url;
  const port = Number(new URL(url).port);
  const adminToken = (await bootstrapAdmin(db))!;
  const call: TestApi['call'] = async (method, p, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(url + p, { method, headers, body: payload, redirect: 'manual' });
    const text = await res.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* text */ }
    // Every Set-Cookie of the answer (iterating fetch's headers keeps only the last one).
    const answered = { ...Object.fromEntries(res.headers), 'set-cookie': res.headers.getSetCookie() } as http.IncomingHttpHeaders;
    return { status: res.status, headers: answered, body, text };
  };
  return {
    url, port, db, tdb, config, adminToken, call, deps,
    async tenant(name) {
      const email = `${name}@test`;
      await must(call('POST', '/v1/teams', { body: { name } }), 201);
      await must(call('POST', '/v1/users', { body: { email, teams: [name] } }), 201);
      const token = (await must(call('POST', `/v1/users/${encodeURIComponent(email)}/tokens`, { body: {} }), 201)).body as { token: string };
      return { team: name, email, token: token.token };
    },
    async close() {
      await listener.close(0);
      await git.close();
      await api.close();
      await db.close();
      await tdb.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The reply, when its status is `status`; throws with the body otherwise. */
export async function must(reply: Promise<Reply>, status: number): Promise<Reply> {
  const r = await reply;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`);
  return r;
}

/** Insert a release row as the deploy part would (test data for reads). */
export async function seedRelease(db: Db, appName: string, version: number, fields: { config?: Record<string, string>; description?: string; current?: boolean; image?: string | null; processTypes?: Record<string, string> } = {}): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO releases (app_id, version, image, config, process_types, description, status)
       SELECT id, $2, $3, $4, $5, $6, 'succeeded' FROM apps WHERE name = $1 RETURNING id`,
    [appName, version, fields.image === undefined ? 'tspaas/x:1' : fields.image, JSON.stringify(fields.config ?? {}),
      JSON.stringify(fields.processTypes ?? { web: 'node server.js' }), fields.description ?? `Deploy v${version}`]);
  if (fields.current) await db.query('UPDATE apps SET current_release_id = $1 WHERE name = $2', [res.rows[0].id, appName]);
  return res.rows[0].id;
}
