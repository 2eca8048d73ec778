/**
 * Issue 17, part 4: every change leaves an audit row. The walk is driven by
 * the OpenAPI document (platform/api/openapi.ts): every operation that is not
 * a GET — and every GET that upgrades to a WebSocket (`tspaas run`) — must
 * have a recipe here that makes it succeed, and the call must leave a row
 * naming the caller, their address, the team, the app and the action. A new
 * route without a recipe fails the first test, so a route added without an
 * audit call cannot go unnoticed. A git push is a change too (git.push).
 * Runs on the real parts (engine, scheduler, builder, deployer, bull queues),
 * so deploys, scales, restarts, one-offs and destroys really happen; no
 * secret given to any of them (a config value, a registry password, a TLS
 * key) reaches the log.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { pino } from 'pino';
import { OPERATIONS } from '../../../platform/api/openapi.js';
import type { AuditEntry, RunMessage } from '../../../platform/api/types.js';
import { createBuilder } from '../../../platform/builds/builder.js';
import { assembleParts } from '../../../platform/parts.js';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import type { PlatformDeps } from '../../../platform/types.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { selfSignedCert } from '../../helpers/certs.js';
import { testPlans } from '../../helpers/plans.js';
import { startApi, must, type TestApi } from './harness.js';

const APP = 'walk-app';
const TEAM = 'walk';
const SECRETS = { config: `cfg-${randomBytes(8).toString('hex')}`, password: `pw-${randomBytes(8).toString('hex')}` };

let api: TestApi;
let engine: TestEngine;
let parts: PlatformDeps | undefined;
let member: { team: string; email: string; token: string };
let tmp: string;

/** A part made after the API (it needs the API's database): calls go to it once it is there. */
function late<K extends 'scheduler' | 'builder' | 'deployer' | 'jobs'>(key: K): PlatformDeps[K] {
  return new Proxy({} as PlatformDeps[K], {
    get: (_t, prop) => {
      const part = parts![key] as unknown as Record<string | symbol, unknown>;
      const v = part[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(part) : v;
    },
  });
}

test.before(async () => {
  engine = await startTestEngine();
  await engine.engine.ensureImage('busybox:latest');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tsp-audit-walk-'));
  api = await startApi('api_audit_routes', { scheduler: late('scheduler'), builder: late('builder'), deployer: late('deployer'), jobs: late('jobs') }, {
    deploy: { port: 5000, checkAttempts: 20, checkIntervalMs: 250, checkTimeoutMs: 1000, settleMs: 200, drainMs: 100, stopGraceSeconds: 1 },
    plans: testPlans(64 << 20),
  });
  const log = pino({ level: 'silent' });
  parts = await assembleParts({
    config: api.config, db: api.db, log, events: api.deps.events,
    scheduler: createLocalScheduler(engine.engine, api.config, log),
    builder: createBuilder(engine.engine, { cacheRoot: path.join(tmp, 'build-caches') }),
    jobs: { redisUrl: process.env.REDIS_URL!, prefix: `taudit-${randomBytes(4).toString('hex')}`, log, tuning: { backoffMs: 200, closeGraceMs: 1000 } },
  });
  member = await api.tenant(TEAM);
  await must(api.call('POST', '/v1/apps', { token: member.token, body: { name: APP } }), 201);
  const push = await gitPush();
  if (push.code !== 0) throw new Error(`the first push failed: ${push.stderr}`);
});

test.after.always(async () => {
  await parts?.jobs.close();
  await parts?.deployer.close();
  await api?.close();
  await engine?.cleanup();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A call of the walk: who makes it, what it must leave in the log. */
interface Recipe {
  as: 'member' | 'admin';
  /** Done first; its own rows are not the call's. */
  setup?: () => Promise<void>;
  /** The concrete path (with query) and body. */
  path: string;
  body?: unknown;
  row: { action: string; team: string | null; app: string | null };
  /** A WebSocket session instead of an HTTP call (GET …/run). */
  websocket?: true;
}

/** Why a state-changing operation leaves no row. None does: every change is recorded. */
const EXEMPT: Record<string, string> = {};

const memberPost = (p: string, body?: unknown) => api.call('POST', p, { token: member.token, body });

/** A recipe for every state-changing operation of the document, by `METHOD path` as the document writes it. */
const RECIPES: Record<string, Recipe> = {
  'POST /v1/teams': { as: 'admin', path: '/v1/teams', body: { name: 'walk-t1' }, row: { action: 'teams.create', team: 'walk-t1', app: null } },
  'DELETE /v1/teams/{team}': {
    as: 'admin', setup: async () => { await must(api.call('POST', '/v1/teams', { body: { name: 'walk-gone' } }), 201); },
    path: '/v1/teams/walk-gone', row: { action: 'teams.delete', team: 'walk-gone', app: null },
  },
  'POST /v1/teams/{team}/members': {
    as: 'admin', setup: async () => { await must(api.call('POST', '/v1/users', { body: { email: 'walk-m@test', teams: [] } }), 201); },
    path: `/v1/teams/${TEAM}/members`, body: { email: 'walk-m@test' }, row: { action: 'teams.add-member', team: TEAM, app: null },
  },
  'PATCH /v1/teams/{team}/members/{email}': {
    as: 'admin', setup: async () => { await must(api.call('POST', '/v1/users', { body: { email: 'walk-r@test', teams: [TEAM] } }), 201); },
    path: `/v1/teams/${TEAM}/members/walk-r%40test`, body: { role: 'viewer' }, row: { action: 'teams.set-role', team: TEAM, app: null },
  },
  'DELETE /v1/teams/{team}/members/{email}': {
    as: 'admin', setup: async () => { await must(api.call('POST', '/v1/users', { body: { email: 'walk-x@test', teams: [TEAM] } }), 201); },
    path: `/v1/teams/${TEAM}/members/walk-x%40test`, row: { action: 'teams.remove-member', team: TEAM, app: null },
  },
  'PUT /v1/teams/{team}/quota': { as: 'admin', path: `/v1/teams/${TEAM}/quota`, body: { apps: 50 }, row: { action: 'teams.quota', team: TEAM, app: null } },
  'PATCH /v1/teams/{team}/quota': { as: 'admin', path: `/v1/teams/${TEAM}/quota`, body: { apps: 60 }, row: { action: 'teams.quota', team: TEAM, app: null } },
  'POST /v1/users': { as: 'admin', path: '/v1/users', body: { email: 'walk-u@test', teams: [] }, row: { action: 'users.create', team: null, app: null } },
  'DELETE /v1/users/{email}': {
    as: 'admin', setup: async () => { await must(api.call('POST', '/v1/users', { body: { email: 'walk-d@test', teams: [] } }), 201); },
    path: '/v1/users/walk-d%40test', row: { action: 'users.delete', team: null, app: null },
  },
  'POST /v1/users/{email}/tokens': { as: 'member', path: `/v1/users/${TEAM}%40test/tokens`, body: { description: 'walk' }, row: { action: 'tokens.create', team: null, app: null } },
  'DELETE /v1/users/{email}/tokens/{token}': {
    as: 'member', setup: async () => { await must(memberPost(`/v1/users/${TEAM}%40test/tokens`, { name: 'walk-revoke' }), 201); },
    path: `/v1/users/${TEAM}%40test/tokens/walk-revoke`, row: { action: 'tokens.revoke', team: null, app: null },
  },
  'POST /v1/dashboard/login-links': { as: 'member', path: '/v1/dashboard/login-links', row: { action: 'dashboard.login-link', team: null, app: null } },
  'POST /v1/apps': { as: 'member', path: '/v1/apps', body: { name: 'walk-new' }, row: { action: 'apps.create', team: TEAM, app: 'walk-new' } },
  'DELETE /v1/apps/{app}': {
    as: 'member', setup: async () => { await must(memberPost('/v1/apps', { name: 'walk-doomed' }), 201); },
    path: '/v1/apps/walk-doomed?confirm=walk-doomed', row: { action: 'apps.destroy', team: TEAM, app: 'walk-doomed' },
  },
  'PATCH /v1/apps/{app}/config': { as: 'member', path: `/v1/apps/${APP}/config`, body: { API_KEY: SECRETS.config }, row: { action: 'config.set', team: TEAM, app: APP } },
  'POST /v1/apps/{app}/rollback': { as: 'member', path: `/v1/apps/${APP}/rollback`, body: { version: 1 }, row: { action: 'releases.rollback', team: TEAM, app: APP } },
  'PATCH /v1/apps/{app}/formation': { as: 'member', path: `/v1/apps/${APP}/formation`, body: { updates: [{ type: 'web', quantity: 1 }] }, row: { action: 'formation.scale', team: TEAM, app: APP } },
  'POST /v1/apps/{app}/processes/restart': { as: 'member', path: `/v1/apps/${APP}/processes/restart`, body: { target: 'web' }, row: { action: 'processes.restart', team: TEAM, app: APP } },
  'POST /v1/apps/{app}/run': { as: 'member', path: `/v1/apps/${APP}/run`, body: { command: ['true'] }, row: { action: 'run.detached', team: TEAM, app: APP } },
  'GET /v1/apps/{app}/run': { as: 'member', websocket: true, path: `/v1/apps/${APP}/run`, row: { action: 'run.attached', team: TEAM, app: APP } },
  'POST /v1/apps/{app}/domains': { as: 'member', path: `/v1/apps/${APP}/domains`, body: { hostname: 'walk.example.com' }, row: { action: 'domains.add', team: TEAM, app: APP } },
  'DELETE /v1/apps/{app}/domains/{hostname}': {
    as: 'member', setup: async () => { await must(memberPost(`/v1/apps/${APP}/domains`, { hostname: 'walk-del.example.com' }), 201); },
    path: `/v1/apps/${APP}/domains/walk-del.example.com`, row: { action: 'domains.remove', team: TEAM, app: APP },
  },
  'POST /v1/apps/{app}/certs': {
    as: 'member', setup: () => domain('walk-cert'), path: `/v1/apps/${APP}/certs`, body: 'cert:walk-cert', row: { action: 'certs.add', team: TEAM, app: APP },
  },
  'DELETE /v1/apps/{app}/certs/{name}': {
    as: 'member', setup: async () => {
      await domain('walk-del-cert');
      await must(memberPost(`/v1/apps/${APP}/certs`, { ...await cert('walk-del-cert'), name: 'walk-del-cert' }), 201);
    },
    path: `/v1/apps/${APP}/certs/walk-del-cert`, row: { action: 'certs.remove', team: TEAM, app: APP },
  },
  'PUT /v1/registry-logins': {
    as: 'member', path: '/v1/registry-logins', body: { host: 'registry.example.com', username: 'ci', password: SECRETS.password },
    row: { action: 'registry-logins.set', team: TEAM, app: null },
  },
  'DELETE /v1/registry-logins/{host}': {
    as: 'member', setup: async () => {
      await must(api.call('PUT', '/v1/registry-logins', { token: member.token, body: { host: 'reg.example.com', username: 'ci', password: SECRETS.password, app: APP } }), 200);
    },
    path: `/v1/registry-logins/reg.example.com?app=${APP}`, row: { action: 'registry-logins.remove', team: TEAM, app: APP },
  },
};

/** Every operation that changes something: all but GETs, and GETs that upgrade to a WebSocket. */
function changingOperations(): Array<{ key: string; status: number }> {
  return Object.entries(OPERATIONS).flatMap(([p, ops]) => Object.entries(ops)
    .filter(([method, op]) => method !== 'get' || op.returns === 'websocket')
    .map(([method, op]) => ({ key: `${method.toUpperCase()} ${p}`, status: op.status ?? 200 })));
}

test.serial('every state-changing route of the OpenAPI document has a recipe here (or a reason it is exempt)', (t) => {
  const ops = changingOperations();
  t.true(ops.length >= 20);
  const missing = ops.filter((o) => !RECIPES[o.key] && !EXEMPT[o.key]).map((o) => o.key);
  t.deepEqual(missing, [], 'add a recipe to RECIPES for each new route, and an audit call to the route');
  t.deepEqual(Object.keys(RECIPES).filter((k) => !ops.some((o) => o.key === k)), [], 'recipes of routes that no longer exist');
});

test.serial('each successful change leaves a row: the caller, their address, the team, the app, the action', async (t) => {
  for (const { key, status } of changingOperations()) {
    const recipe = RECIPES[key];
    if (!recipe) continue; // the test above fails for it
    await recipe.setup?.();
    const mark = await lastId();
    const token = recipe.as === 'admin' ? api.adminToken : member.token;
    if (recipe.websocket) {
      t.is(await runOverSocket(recipe.path, token), 0, key);
    } else {
      const body = typeof recipe.body === 'string' ? await cert(recipe.body.slice('cert:'.length)) : recipe.body;
      const reply = await api.call(key.split(' ')[0]!, recipe.path, { token, body });
      t.is(reply.status, status, `${key}: ${reply.text}`);
    }
    const rows = await rowsAfter(mark);
    const row = rows.find((r) => r.action === recipe.row.action);
    t.truthy(row, `${key} left no ${recipe.row.action} row (rows: ${rows.map((r) => r.action).join(', ') || 'none'})`);
    t.like(row, { ...recipe.row, user: recipe.as === 'admin' ? 'admin@localhost' : member.email, address: '127.0.0.1' }, key);
  }
  const leaks = await api.db.query('SELECT action FROM audit_log WHERE details::text ~ $1', [`${SECRETS.config}|${SECRETS.password}|PRIVATE KEY`]);
  t.deepEqual(leaks.rows, [], 'no config value, password or key in any row');
});

test.serial('a git push is a change of the app: git.push with the ref, the commit and the build, from the pusher\'s address', async (t) => {
  const mark = await lastId();
  const push = await gitPush('v2');
  t.is(push.code, 0, push.stderr);
  const row = (await rowsAfter(mark)).find((r) => r.action === 'git.push');
  t.like(row, { user: member.email, address: '127.0.0.1', team: TEAM, app: APP, details: { ref: 'refs/heads/main', commit: push.commit } });
  t.regex(String(row?.details.build), /^[0-9a-f-]{36}$/);
});

async function lastId(): Promise<number> {
  return Number((await api.db.query<{ id: string | null }>('SELECT max(id) AS id FROM audit_log')).rows[0]!.id ?? 0);
}

/** The rows written after `mark`, as GET /v1/audit shows them (admin: every row). */
async function rowsAfter(mark: number): Promise<AuditEntry[]> {
  const n = (await api.db.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE id > $1', [mark])).rows[0]!.n;
  if (n === '0') return [];
  return (await must(api.call('GET', `/v1/audit?limit=${n}`), 200)).body as AuditEntry[];
}

/** The domain `<name>.example.com` of the app (a certificate must cover one of its domains). */
async function domain(name: string): Promise<void> {
  await must(memberPost(`/v1/apps/${APP}/domains`, { hostname: `${name}.example.com` }), 201);
}

/** A self-signed certificate for `<name>.example.com`. */
async function cert(name: string): Promise<{ cert: string; key: string }> {
  return selfSignedCert(tmp, name, [`${name}.example.com`]);
}

/** `tspaas run true` over the WebSocket; its exit code. */
function runOverSocket(p: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${api.port}${p}`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'start', command: ['true'], tty: false } satisfies RunMessage)));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString()) as RunMessage;
      if (m.type === 'exit') resolve(m.code);
      if (m.type === 'error') reject(new Error(m.message));
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error('closed before exit')));
  });
}

/** Push a Dockerfile app (busybox httpd) to the app's repository through tspaasd's listener; git's result and the commit. */
async function gitPush(marker = 'v1'): Promise<{ code: number; stderr: string; commit: string }> {
  const dir = await mkdtemp(path.join(tmp, 'src-'));
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["sh", "-c", "exec httpd -f -p $PORT -h /www"]\n');
  await writeFile(path.join(dir, 'index.html'), `${marker}\n`);
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-qm', marker]]) {
    const r = await git(dir, args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  const commit = (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
  const helper = ['-c', `credential.helper=!f() { echo username=tspaas; echo password=${member.token}; }; f`];
  const push = await git(dir, [...helper, 'push', '--force', `${api.url}/git/${APP}.git`, 'main']);
  return { ...push, commit };
}

function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, HOME: tmp, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_ASKPASS: '' };
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env, timeout: 170_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
