/**
 * The router and a PostgreSQL that comes and goes, on a private cluster this
 * file starts itself (the suite's shared server is never stopped): a router
 * started before the migrations waits for the table; with PostgreSQL stopped
 * it keeps serving the routes it knows; once PostgreSQL is back it reconnects
 * and picks up the changes made meanwhile.
 */
import test from 'ava';
import { createTestDatabase, startPrivateCluster, type PrivateCluster, type TestDatabase } from '../helpers/postgres.js';
import { get, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';
import { migrate } from '../../platform/db/migrate.js';

let cluster: PrivateCluster;
let db: TestDatabase;
let router: TestRouter;
let one: TestBackend;
let two: TestBackend;

test.before(async () => {
  cluster = await startPrivateCluster();
  db = await createTestDatabase('tspaas_router_pg', cluster.url, { migrate: false });
  [one, two] = await Promise.all([startBackend('one'), startBackend('two')]);
});

test.after.always(async () => {
  await router?.stop();
  await Promise.all([one?.close(), two?.close()]);
  await db?.drop().catch(() => undefined);
  await cluster?.destroy();
});

const backendOf = async (host: string) => {
  const r = await get(router.httpPort, '/', { host });
  return r.status === 200 ? JSON.parse(r.body).backend as string : `HTTP ${r.status}`;
};

test.serial('a router started before the migrations waits for the route table, then serves it', async (t) => {
  router = await startRouter(db.url, { waitForRoutes: false });
  t.is((await router.stats()).workers.every((w) => w.generation === 0), true);
  t.is(await backendOf('app.localhost'), 'HTTP 404');
  await migrate(db.url);
  await putRoute(db, 'app', { backends: [{ port: one.port }] });
  // The router may load the table between the migrations and the route (generation 1, empty); the route's
  // notification then gives the next one. Either way the route is served without a restart.
  await router.waitForGeneration(1);
  const deadline = Date.now() + 10_000;
  let seen = await backendOf('app.localhost');
  while (seen !== 'one' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    seen = await backendOf('app.localhost');
  }
  t.is(seen, 'one');
  t.true((await router.stats()).workers.every((w) => w.generation >= 1));
});

test.serial('PostgreSQL stopped: known routes keep serving; started again: changes are picked up', async (t) => {
  await cluster.stop();
  for (let i = 0; i < 10; i++) t.is(await backendOf('app.localhost'), 'one');
  const stats = await router.stats();
  t.is(stats.database, 'disconnected');
  await cluster.start();
  const before = stats.generation;
  // A change written while the router reconnects: found by the reload that follows the reconnect.
  await putRoute(db, 'app', { backends: [{ port: two.port }] });
  await router.waitForGeneration(before + 1);
  t.is(await backendOf('app.localhost'), 'two');
  t.is((await router.stats()).database, 'connected');
});
