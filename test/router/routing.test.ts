/**
 * Routing through a real tspaas-router (2 workers) to real backends on
 * loopback: exact and wildcard hosts, default app domains, unknown hosts,
 * dead backends, headers, maintenance, body limits, balancing, admin stats.
 */
import test from 'ava';
import http from 'node:http';
import { createTestDatabase, freePort, type TestDatabase } from '../helpers/postgres.js';
import { get, putRoute, startBackend, startRouter, type TestBackend, type TestRouter } from '../helpers/router.js';

let db: TestDatabase;
let router: TestRouter;
const backends: TestBackend[] = [];

async function backend(name: string, handler?: http.RequestListener): Promise<TestBackend> {
  const b = await startBackend(name, handler);
  backends.push(b);
  return b;
}

test.before(async () => {
  db = await createTestDatabase('tspaas_router_routing');
  await putRoute(db, 'seed', {});
  router = await startRouter(db.url);
});

test.after.always(async () => {
  await router?.stop();
  await Promise.all(backends.map((b) => b.close()));
  await db?.drop();
});

test.serial('exact host, wildcard host and the default app domain reach their backends', async (t) => {
  const shop = await backend('shop');
  const catchAll = await backend('catch');
  await router.apply(async () => {
    await putRoute(db, 'shop', { hosts: [{ host: 'shop.example.test' }], backends: [{ port: shop.port }] });
    await putRoute(db, 'catch', { hosts: [{ host: '*.example.test' }], backends: [{ port: catchAll.port }] });
  });
  const name = async (host: string) => JSON.parse((await get(router.httpPort, '/x', { host })).body).backend;
  t.is(await name('shop.example.test'), 'shop');
  t.is(await name('SHOP.example.test:80'), 'shop');
  t.is(await name('anything.example.test'), 'catch');
  t.is(await name('a.b.example.test'), 'catch');
  t.is(await name('shop.localhost'), 'shop', 'default domain <app>.localhost');
  t.is(await name(`catch.localhost:${router.httpPort}`), 'catch');
});

test.serial('unknown host: 404 page as HTML for browsers and JSON on request, with nothing internal', async (t) => {
  const html = await get(router.httpPort, '/', { host: 'nobody.example.org', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  t.is(html.status, 404);
  t.regex(String(html.headers['content-type']), /text\/html/);
  t.regex(html.body, /No such app/);
  t.true(html.body.includes(String(html.headers['x-request-id'])));
  const json = await get(router.httpPort, '/', { host: 'nobody.example.org', headers: { accept: 'application/json' } });
  t.is(json.status, 404);
  t.deepEqual(Object.keys(JSON.parse(json.body).error).sort(), ['code', 'message', 'request_id', 'status']);
  t.is(JSON.parse(json.body).error.code, 'no_such_app');
});

test.serial('an IP literal Host answers the 404 page even when route rows would match it as a name', async (t) => {
  const numeric = await backend('numeric');
  await router.apply(async () => {
    // The table's CHECK takes these; the platform never writes them (its domain rules refuse IP-like names).
    await putRoute(db, 'numeric', { hosts: [{ host: '*.0.1' }, { host: '*.0.0.1' }, { host: '1.2.3.4' }], backends: [{ port: numeric.port }] });
  });
  // OWASP SSRF cheat sheet spellings of loopback; WHATWG URL reads each as an address.
  for (const host of ['127.0.0.1', `127.0.0.1:${router.httpPort}`, '10.0.0.1', '1.2.3.4', '1.2.3.4.', '[::1]']) {
    const r = await get(router.httpPort, '/', { host, headers: { accept: 'application/json' } });
    t.is(r.status, 404, host);
    t.is(JSON.parse(r.body).error.code, 'no_such_app', host);
  }
  t.is(JSON.parse((await get(router.httpPort, '/', { host: 'numeric.localhost' })).body).backend, 'numeric');
});

test.serial('a dead backend is skipped and every request is still answered', async (t) => {
  const alive = await backend('alive');
  const dead = await freePort();
  await router.apply(async () => {
    await putRoute(db, 'halfdead', { backends: [{ port: dead }, { port: alive.port }] });
  });
  const agent = new http.Agent({ keepAlive: true });
  for (let i = 0; i < 20; i++) {
    const r = await get(router.httpPort, `/${i}`, { host: 'halfdead.localhost', agent });
    t.is(r.status, 200);
    t.is(JSON.parse(r.body).backend, 'alive');
  }
  agent.destroy();
  const gone = await freePort();
  await router.apply(async () => {
    await putRoute(db, 'alldead', { backends: [{ port: gone }] });
  });
  const r = await get(router.httpPort, '/', { host: 'alldead.localhost', headers: { accept: 'application/json' } });
  t.is(r.status, 502);
  t.false(r.body.includes('127.0.0.1'), 'no backend address in the error page');
  t.false(r.body.includes(String(gone)));
});

test.serial('forwarding headers are set, request ids kept or made, hop-by-hop headers stripped both ways', async (t) => {
  const echo = await backend('headers', (req, res) => {
    res.setHeader('connection', 'x-backend-hop');
    res.setHeader('x-backend-hop', 'secret');
    res.setHeader('keep-alive', 'timeout=5');
    res.end(JSON.stringify(req.headers));
  });
  await router.apply(async () => {
    await putRoute(db, 'headers', { backends: [{ port: echo.port }] });
  });
  const given = 'client-supplied-id-0123456789';
  const r = await get(router.httpPort, '/h', {
    host: 'headers.localhost',
    headers: { 'x-request-id': given, 'x-forwarded-for': '203.0.113.9', connection: 'keep-alive, x-client-hop', 'x-client-hop': '1', te: 'trailers', via: '1.0 upstream' },
  });
  const seen = JSON.parse(r.body) as Record<string, string>;
  t.is(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  t.is(seen['x-forwarded-proto'], 'http');
  t.is(seen['x-forwarded-port'], String(router.httpPort));
  t.is(seen['x-forwarded-host'], 'headers.localhost');
  t.is(seen['x-request-id'], given);
  t.is(seen.via, '1.0 upstream, 1.1 tspaas');
  t.false('x-client-hop' in seen);
  t.false('te' in seen);
  t.false('keep-alive' in seen);
  t.is(r.headers['x-request-id'], given);
  t.is(r.headers['x-backend-hop'], undefined);
  t.is(r.headers.via, '1.1 tspaas');
  const made = await get(router.httpPort, '/h', { host: 'headers.localhost', headers: { 'x-request-id': 'short' } });
  t.regex(String(made.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  t.is(JSON.parse(made.body)['x-request-id'], made.headers['x-request-id']);
});

test.serial('maintenance and no backends answer 503 pages', async (t) => {
  const b = await backend('maint');
  await router.apply(async () => {
    await putRoute(db, 'maint', { maintenance: true, backends: [{ port: b.port }] });
    await putRoute(db, 'empty', {});
  });
  const m = await get(router.httpPort, '/', { host: 'maint.localhost', headers: { accept: 'application/json' } });
  t.is(m.status, 503);
  t.is(JSON.parse(m.body).error.code, 'maintenance');
  const e = await get(router.httpPort, '/', { host: 'empty.localhost' });
  t.is(e.status, 503);
  t.regex(e.body, /no running web processes/);
});

test.serial('a body above the route limit is refused with 413, declared or chunked', async (t) => {
  const b = await backend('limited', (req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; }).on('end', () => res.end(String(n)));
  });
  await router.apply(async () => {
    await putRoute(db, 'limited', { maxBodyBytes: 1000, backends: [{ port: b.port }] });
  });
  const ok = await get(router.httpPort, '/', { host: 'limited.localhost', method: 'POST', body: 'x'.repeat(1000) });
  t.is(ok.body, '1000');
  const big = await get(router.httpPort, '/', { host: 'limited.localhost', method: 'POST', body: 'x'.repeat(1001) });
  t.is(big.status, 413);
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: router.httpPort, method: 'POST', headers: { host: 'limited.localhost', 'transfer-encoding': 'chunked' } },
      (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.write('y'.repeat(800));
    req.end('y'.repeat(800));
  });
  t.is(chunked, 413);
});

test.serial('round-robin spreads requests; least-connections avoids a busy backend', async (t) => {
  const a = await backend('a');
  const b = await backend('b');
  const release: (() => void)[] = [];
  const slow = await backend('slow', (_req, res) => { release.push(() => res.end('slow')); });
  const fast = await backend('fast');
  await router.apply(async () => {
    await putRoute(db, 'rr', { backends: [{ port: a.port }, { port: b.port }] });
    await putRoute(db, 'lc', { balance: 'least-connections', backends: [{ port: slow.port }, { port: fast.port }] });
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const names: string[] = [];
  for (let i = 0; i < 8; i++) names.push(JSON.parse((await get(router.httpPort, '/', { host: 'rr.localhost', agent })).body).backend);
  agent.destroy();
  t.is(names.filter((n) => n === 'a').length, 4);
  t.is(names.filter((n) => n === 'b').length, 4);
  // One request per worker parks on `slow`; after that, every worker sends everything to `fast`.
  const parked = [get(router.httpPort, '/', { host: 'lc.localhost' }), get(router.httpPort, '/', { host: 'lc.localhost' })];
  const fastOnes: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await get(router.httpPort, '/', { host: 'lc.localhost' });
    fastOnes.push(r.body.includes('"fast"') ? 'fast' : r.body);
  }
  while (release.length < 2) {
    fastOnes.push((await get(router.httpPort, '/', { host: 'lc.localhost' })).body.includes('"fast"') ? 'fast' : 'other');
  }
  release.forEach((r) => r());
  await Promise.all(parked);
  t.true(fastOnes.slice(-8).every((n) => n === 'fast'));
});

test.serial('admin endpoint counts requests per app with a latency histogram; access log is JSON lines', async (t) => {
  const stats = await router.stats();
  t.is(stats.workers.length, 2);
  t.is(stats.database, 'connected');
  // The suite runs once per data path (TSPAAS_ROUTER_DATA_PATH=fast|http-proxy, passed on to the router).
  t.true(stats.workers.every((w) => w.dataPath === (process.env.TSPAAS_ROUTER_DATA_PATH || 'fast')));
  const shop = stats.apps.shop;
  t.true(shop.requests >= 3);
  t.is(shop.latency.reduce((s, n) => s + n, 0), shop.requests);
  t.true(shop.status['2xx'] >= 3);
  const lines = router.accessLog().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const line = lines.find((l) => l.app === 'shop')!;
  t.deepEqual(Object.keys(line).sort(), ['app', 'backend', 'bytes', 'duration_ms', 'host', 'method', 'path', 'request_id', 'status', 'time']);
  t.is(line.method, 'GET');
  t.regex(String(line.backend), /^127\.0\.0\.1:\d+$/);
});
