/**
 * `--backend-keep-alive`: an idle keep-alive connection to a backend is
 * reused while it is younger than that, and the router closes it after
 * (nginx's upstream `keepalive_timeout`). The backend here would keep it
 * open for 30 s, so a close before then is the router's. One worker; runs
 * on the data path TSPAAS_ROUTER_DATA_PATH names.
 */
import test from 'ava';
import { performance } from 'node:perf_hooks';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { get, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

const KEEP_ALIVE_MS = 1000;

let db: TestDatabase;
let router: TestRouter;
let backend: TestBackend;
/** Each backend connection: when it opened, and when the router ended it (performance.now()). */
const connections: { opened: number; ended: number | null }[] = [];

test.before(async () => {
  db = await createTestDatabase('tspaas_router_backend_keep_alive');
  backend = await startBackend('kept');
  backend.server.keepAliveTimeout = 30_000;
  backend.server.on('connection', (s) => {
    const c = { opened: performance.now(), ended: null as number | null };
    connections.push(c);
    s.once('end', () => { c.ended = performance.now(); });
  });
  await putRoute(db, 'kept', { backends: [{ port: backend.port }] });
  router = await startRouter(db.url, { workers: 1, args: ['--backend-keep-alive', String(KEEP_ALIVE_MS)] });
});

test.after.always(async () => {
  await router?.stop();
  await backend?.close();
  await db?.drop();
});

test.serial('a backend connection is reused while idle for less than --backend-keep-alive, and closed by the router after it', async (t) => {
  const before = connections.length;
  t.is((await get(router.httpPort, '/one', { host: 'kept.localhost' })).status, 200);
  await new Promise((r) => setTimeout(r, KEEP_ALIVE_MS / 4));
  const second = await get(router.httpPort, '/two', { host: 'kept.localhost' });
  const answered = performance.now();
  t.is(second.status, 200);
  t.is(connections.length - before, 1, 'both requests went over one backend connection');
  const c = connections[connections.length - 1];
  while (c.ended === null && performance.now() - answered < 10_000) await new Promise((r) => setTimeout(r, 20));
  t.not(c.ended, null, 'the router closed the idle connection');
  const idle = c.ended! - answered;
  t.log(`closed ${Math.round(idle)} ms after the last response`);
  // Never early; the fast path's wheel ticks every 50 ms, node's timer is exact: 1.5 s of slack for a loaded host.
  t.true(idle >= KEEP_ALIVE_MS - 50 && idle <= KEEP_ALIVE_MS + 1500, `closed after ${Math.round(idle)} ms`);
});

test.serial('--backend-keep-alive must be a positive integer', async (t) => {
  const { parseRouterArgs } = await import('../../router/config.js');
  t.throws(() => parseRouterArgs(['--database-url', 'postgres://x/y', '--backend-keep-alive', '0'], {}), { message: /--backend-keep-alive "0"/ });
  t.throws(() => parseRouterArgs(['--database-url', 'postgres://x/y', '--backend-keep-alive', '1.5s'], {}), { message: /--backend-keep-alive/ });
});
