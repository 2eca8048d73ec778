/**
 * `--max-sockets`: at most that many connections per backend and worker are
 * busy with a request; more requests wait for one (as node's http.Agent
 * queues them on the http-proxy path, and nginx's `max_conns` on an
 * upstream server), bodies included, and a request that waits past its
 * route's request timeout gets the 504 page. One worker, so the cap is the
 * router's. Runs on the data path TSPAAS_ROUTER_DATA_PATH names.
 */
import test from 'ava';
import http from 'node:http';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { get, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

const MAX_SOCKETS = 2;
/** How long the backend holds each request. */
const HOLD_MS = 300;

let db: TestDatabase;
let router: TestRouter;
let backend: TestBackend;
/** What the backend saw: requests and connections open at once, at most. */
const seen = { requests: 0, maxRequests: 0, connections: 0, maxConnections: 0, urls: [] as string[] };

test.before(async () => {
  db = await createTestDatabase('tspaas_router_max_sockets');
  backend = await startBackend('held', (req, res) => {
    const body: Buffer[] = [];
    seen.urls.push(req.url ?? '');
    req.on('data', (b: Buffer) => body.push(b));
    req.on('end', () => {
      seen.requests++;
      seen.maxRequests = Math.max(seen.maxRequests, seen.requests);
      setTimeout(() => {
        seen.requests--;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ url: req.url, body: Buffer.concat(body).toString() }));
      }, Number(new URL(req.url ?? '/', 'http://x').searchParams.get('hold') ?? HOLD_MS));
    });
  });
  backend.server.on('connection', (s) => {
    seen.connections++;
    seen.maxConnections = Math.max(seen.maxConnections, seen.connections);
    s.once('close', () => seen.connections--);
  });
  await putRoute(db, 'held', { backends: [{ port: backend.port }] });
  await putRoute(db, 'slow', { backends: [{ port: backend.port }], requestTimeoutMs: 1000 });
  router = await startRouter(db.url, { workers: 1, args: ['--max-sockets', String(MAX_SOCKETS)] });
});

test.after.always(async () => {
  await router?.stop();
  await backend?.close();
  await db?.drop();
});

test.serial('more requests than --max-sockets wait for a connection: all are answered, bodies whole, never more busy at once', async (t) => {
  // Each request on its own client connection, so only the router's cap can hold them back.
  const body = 'x'.repeat(50_000);
  const asks = Array.from({ length: 6 }, (_, i) => get(router.httpPort, `/r${i}`, i % 2 === 0
    ? { host: 'held.localhost', agent: new http.Agent({ keepAlive: false }) }
    : { host: 'held.localhost', agent: new http.Agent({ keepAlive: false }), method: 'POST', body, headers: { 'content-type': 'text/plain' } }));
  const t0 = Date.now();
  const replies = await Promise.all(asks);
  const took = Date.now() - t0;
  t.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
  replies.forEach((r, i) => {
    const got = JSON.parse(r.body) as { url: string; body: string };
    t.is(got.url, `/r${i}`);
    t.is(got.body, i % 2 === 0 ? '' : body, `request ${i}'s body arrived whole after waiting`);
  });
  t.is(seen.maxRequests, MAX_SOCKETS, 'the backend had the cap\'s number of requests at once, no more');
  t.true(seen.maxConnections <= MAX_SOCKETS, `the backend saw at most ${MAX_SOCKETS} connections at once (saw ${seen.maxConnections})`);
  t.true(took >= 3 * HOLD_MS - 50, `six requests held ${HOLD_MS} ms two at a time take three rounds (took ${took} ms)`);
});

test.serial('a request that waits for a connection past its route\'s request timeout gets the 504 page', async (t) => {
  // Both connections held for 3 s by requests of a route with the default timeout; the request of another route to the
  // same backend, with a 1 s timeout, runs out of time while it waits.
  const held = [0, 1].map(() => get(router.httpPort, '/?hold=3000', { host: 'held.localhost', agent: new http.Agent({ keepAlive: false }) }));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  const waited = await get(router.httpPort, '/third', { host: 'slow.localhost', agent: new http.Agent({ keepAlive: false }) });
  const took = Date.now() - t0;
  t.is(waited.status, 504, waited.body);
  t.true(took >= 700 && took < 2500, `answered at the request timeout (took ${took} ms)`);
  for (const r of await Promise.all(held)) t.is(r.status, 200);
  await new Promise((r) => setTimeout(r, 300));
  t.false(seen.urls.includes('/third'), 'the request that timed out waiting never reached the backend');
});
