/**
 * Route changes by NOTIFY against the real cluster (2 workers): applied in
 * every worker (how fast is `npm run bench:router`'s figure, not a timed
 * test's) and then acknowledged in `router_instances`, which is how writers
 * know a change is live; 20 backend swaps under steady load with old
 * backends stopped after their removal, without one failed request. Also a
 * WebSocket on a removed backend lives through the drain grace period.
 */
import test from 'ava';
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { get, putRoute, setBackends, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';
import { routersBehind, transactionId } from '../../platform/routing/live.js';

let db: TestDatabase;
let router: TestRouter;

test.before(async () => {
  db = await createTestDatabase('tspaas_router_notify');
  await putRoute(db, 'seed', {});
  router = await startRouter(db.url, { workers: 2, args: ['--drain-grace', '3000'] });
});

test.after.always(async () => {
  await router?.stop();
  await db?.drop();
});

/** Add app `app` with one backend, in a transaction; returns when COMMIT was sent (ms since the epoch) and the transaction's id. */
async function addApp(app: string, port: number): Promise<{ committed: number; xid: string }> {
  let committed = 0;
  const xid = await db.transaction(async (q) => {
    await q.query('INSERT INTO router_routes (app) VALUES ($1)', [app]);
    await q.query("INSERT INTO router_backends (app, address, port) VALUES ($1, '127.0.0.1', $2)", [app, port]);
    const id = await transactionId(q);
    committed = Date.now();
    return id;
  });
  return { committed, xid };
}

/** Until no router seen lately is behind transaction `xid`. */
async function acknowledged(xid: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await routersBehind(db, xid)) > 0) {
    if (Date.now() > deadline) throw new Error(`the router never acknowledged transaction ${xid}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test.serial('a route change is applied in every worker, by NOTIFY alone', async (t) => {
  const b = await startBackend('notified');
  t.teardown(() => b.close());
  // Warm the path once (first use of code paths in every process), then measure.
  await router.apply(() => addApp('warmup', b.port));
  for (let i = 0; i < 5; i++) {
    const before = (await router.stats()).generation;
    const { committed, xid } = await addApp(`notify${i}`, b.port);
    // Nothing else wakes the router: no polling, so a generation within the wait came from the notification.
    const stats = await router.waitForGeneration(before + 1, 10_000);
    t.is(stats.workers.length, 2);
    t.log(`applied ${stats.workers.map((w) => w.appliedAt - committed).join(' / ')} ms after COMMIT`);
    await acknowledged(xid);
    for (let k = 0; k < 4; k++) t.is((await get(router.httpPort, '/', { host: `notify${i}.localhost` })).status, 200);
  }
});

/** Keep `concurrency` loops of requests going until `stop` is set; collect failures. */
function load(host: string, concurrency: number): { stop: () => Promise<{ ok: number; failed: string[] }> } {
  let running = true;
  let ok = 0;
  const failed: string[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const r = await get(router.httpPort, '/', { host, agent });
        if (r.status === 200) ok++;
        else failed.push(`${r.status} ${r.body.slice(0, 80)}`);
      } catch (err) {
        failed.push(String(err));
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { ok, failed };
    },
  };
}

/** A backend that takes a few ms per request, and stops gracefully (in-flight requests finish). */
async function slowBackend(name: string): Promise<TestBackend & { stop(): Promise<void> }> {
  const b = await startBackend(name, (_req, res) => { setTimeout(() => res.end(name), 3); });
  return {
    ...b,
    stop: () => new Promise<void>((resolve) => {
      b.server.close(() => resolve());
      b.server.closeIdleConnections();
    }),
  };
}

test.serial('20 backend swaps under load: zero failed requests', async (t) => {
  let current = [await slowBackend('gen0a'), await slowBackend('gen0b')];
  await router.apply(() => putRoute(db, 'swap', { backends: current.map((b) => ({ port: b.port })) }));
  const traffic = load('swap.localhost', 8);
  for (let i = 1; i <= 20; i++) {
    const next = [await slowBackend(`gen${i}a`), await slowBackend(`gen${i}b`)];
    await router.apply(() => setBackends(db, 'swap', next.map((b) => ({ port: b.port }))));
    // What a deploy does: the old ones stop once the router no longer sends them new work.
    await Promise.all(current.map((b) => b.stop()));
    current = next;
  }
  const { ok, failed } = await traffic.stop();
  await Promise.all(current.map((b) => b.stop()));
  t.deepEqual(failed, []);
  t.true(ok > 100, `${ok} requests answered`);
});

test.serial('a WebSocket on a removed backend keeps working during the drain grace, new requests go elsewhere', async (t) => {
  const old = await startBackend('old');
  const fresh = await startBackend('fresh');
  t.teardown(() => Promise.all([old.close(), fresh.close()]));
  const wss = new WebSocketServer({ server: old.server });
  wss.on('connection', (sock) => sock.on('message', (m) => sock.send(`old: ${String(m)}`)));
  t.teardown(() => wss.close());
  await router.apply(() => putRoute(db, 'drain', { backends: [{ port: old.port }] }));
  const ws = new WebSocket(`ws://127.0.0.1:${router.httpPort}/`, { headers: { host: 'drain.localhost' } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const ask = (m: string) => new Promise<string>((resolve) => { ws.once('message', (d) => resolve(String(d))); ws.send(m); });
  t.is(await ask('before'), 'old: before');
  await router.apply(() => setBackends(db, 'drain', [{ port: fresh.port }]));
  t.is(await ask('during'), 'old: during', 'the tunnel survives the removal');
  t.is(JSON.parse((await get(router.httpPort, '/', { host: 'drain.localhost' })).body).backend, 'fresh');
  const closed = await new Promise<boolean>((resolve) => ws.once('close', () => resolve(true)));
  t.true(closed, 'the tunnel is closed once the grace period is over');
});

test.serial('a router records what it serves in router_instances; one seen no more is not waited for; a stopped one leaves', async (t) => {
  const rows = async () => (await db.query<{ id: string }>('SELECT id FROM router_instances')).rows.map((r) => r.id);
  const { xid } = await addApp('acked', 1);
  await acknowledged(xid);
  t.is((await rows()).length, 1, 'one row for the running router');
  // A router that stopped sending heartbeats (killed, cut off) long ago does not hold writers up.
  await db.query("INSERT INTO router_instances (id, seen_at) VALUES ('gone:1:x', now() - interval '1 minute')");
  const late = await addApp('acked2', 1);
  await acknowledged(late.xid);
  await db.query("UPDATE router_instances SET seen_at = now() WHERE id = 'gone:1:x'");
  t.is(await routersBehind(db, late.xid), 1, 'a router seen lately that has applied nothing is behind');
  // One that serves a table read before a commit is behind that commit.
  await db.query("UPDATE router_instances SET applied_snapshot = pg_current_snapshot() WHERE id = 'gone:1:x'");
  const after = await addApp('acked3', 1);
  // The real router catches up; the fake one never does.
  const deadline = Date.now() + 10_000;
  while ((await routersBehind(db, after.xid)) > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.is(await routersBehind(db, after.xid), 1, 'the table it serves predates the change');
  t.is(await routersBehind(db, late.xid), 0, 'and includes the earlier one');
  await db.query("DELETE FROM router_instances WHERE id = 'gone:1:x'");
  const second = await startRouter(db.url, { workers: 1 });
  // Its row comes with its first acknowledgement, which may follow the workers' first generation by a moment.
  for (const until = Date.now() + 10_000; (await rows()).length < 2 && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
  t.is((await rows()).length, 2);
  await second.stop();
  t.is((await rows()).length, 1, 'a router that stops removes its row');
});
