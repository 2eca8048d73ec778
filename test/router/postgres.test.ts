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
  // No table yet: 503 (the router is starting), not 404 (the app may well exist).
  t.is(await backendOf('app.localhost'), 'HTTP 503');
  await migrate(db.url);
  await putRoute(db, 'app', { backends: [{ port: one.port }] });
  // The router may load the table between the migrations and the route (generation 1, empty); the route's
  // notification then gives the next one. Either way the route is served without a restart.
  await router.waitForGeneration(1);
  t.is(await until(() => backendOf('app.localhost'), (b) => b === 'one'), 'one');
  t.true((await router.stats()).workers.every((w) => w.generation >= 1));
});

test.serial('PostgreSQL stopped: known routes keep serving; started again: changes are picked up', async (t) => {
  await cluster.stop();
  for (let i = 0; i < 10; i++) t.is(await backendOf('app.localhost'), 'one');
  // The router learns of the lost connection from the server's goodbye or the socket's end: soon, not at once.
  t.is(await until(async () => (await router.stats()).database, (d) => d === 'disconnected'), 'disconnected');
  const before = (await router.stats()).generation;
  await cluster.start();
  // A change written while the router reconnects. Either the reload after the reconnect reads it, or that
  // reload ran first and the change's NOTIFY brings the next one: it is served without a restart either way.
  await putRoute(db, 'app', { backends: [{ port: two.port }] });
  await router.waitForGeneration(before + 1);
  t.is(await until(() => backendOf('app.localhost'), (b) => b === 'two'), 'two');
  t.is(await until(async () => (await router.stats()).database, (d) => d === 'connected'), 'connected');
});

/** `read()` until `done` holds of its value or 20 s pass; the last value read. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  let v = await read();
  while (!done(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = await read();
  }
  return v;
}
