import test from 'ava';
import { BackendRegistry } from '../../../router/proxy/backends.js';
import { createProxy } from '../../../router/proxy/forward.js';
import { compileTable, normalizeHost } from '../../../router/table/compile.js';
import type { ProxyDefaults, RouteRow, RouteSnapshot } from '../../../router/types.js';

const DEFAULTS: ProxyDefaults = {
  connectTimeoutMs: 5000, requestTimeoutMs: 30000, idleTimeoutMs: 55000, balance: 'round-robin',
  backendDownMs: 2000, drainGraceMs: 1000, maxSocketsPerBackend: 8, maxIdleSocketsPerBackend: 8, backendKeepAliveMs: 60_000,
};

function route(app: string, extra: Partial<RouteRow> = {}): RouteRow {
  return { app, maintenance: false, redirect_https: false, max_body_bytes: null, connect_timeout_ms: null, request_timeout_ms: null, idle_timeout_ms: null, balance: null, ...extra };
}

function snapshot(): RouteSnapshot {
  return {
    generation: 7,
    routes: [route('shop'), route('blog', { request_timeout_ms: 500 }), route('catch')],
    hosts: [
      { host: 'shop.example.com', app: 'shop', certificate: 'shop' },
      { host: '*.example.com', app: 'catch', certificate: null },
      { host: '*.blog.example.com', app: 'blog', certificate: null },
    ],
    backends: [{ app: 'shop', address: '10.0.0.1', port: 80, weight: 1 }, { app: 'shop', address: 'fd00::1', port: 80, weight: 2 }],
    certificates: [],
  };
}

test('exact host, then the default domain, then the most specific wildcard', (t) => {
  const { table } = compileTable(snapshot(), DEFAULTS, 'apps.test', new BackendRegistry(DEFAULTS, createProxy));
  t.is(table.match('shop.example.com')?.route.app, 'shop');
  t.is(table.match('Shop.Example.COM:8080')?.certificate, 'shop');
  t.is(table.match('other.example.com')?.route.app, 'catch');
  t.is(table.match('a.b.example.com')?.route.app, 'catch');
  t.is(table.match('x.blog.example.com')?.route.app, 'blog');
  t.is(table.match('blog.apps.test')?.route.app, 'blog');
  t.is(table.match('blog.apps.test')?.route.requestTimeoutMs, 500);
  t.is(table.match('shop.apps.test')?.route.requestTimeoutMs, 30000);
  t.is(table.match('example.com'), null);
  t.is(table.match('nope.apps.test'), null);
  t.is(table.match('a.blog.apps.test'), null);
  t.is(table.match(undefined), null);
});

test('backends are shared across snapshots and IPv6 keys are bracketed', (t) => {
  const registry = new BackendRegistry(DEFAULTS, createProxy);
  const first = compileTable(snapshot(), DEFAULTS, 'apps.test', registry);
  const second = compileTable({ ...snapshot(), generation: 8 }, DEFAULTS, 'apps.test', registry);
  t.deepEqual([...first.backends].map((b) => b.key), ['10.0.0.1:80', '[fd00::1]:80']);
  t.deepEqual([...first.backends], [...second.backends]);
  t.is(second.table.generation, 8);
});

test('weighted round-robin follows the weights', (t) => {
  const { table } = compileTable(snapshot(), DEFAULTS, 'apps.test', new BackendRegistry(DEFAULTS, createProxy));
  const pool = table.match('shop.example.com')!.route.pool;
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const b = pool.pick(null)!;
    counts.set(b.key, (counts.get(b.key) ?? 0) + 1);
  }
  t.is(counts.get('10.0.0.1:80'), 100);
  t.is(counts.get('[fd00::1]:80'), 200);
});

test('a backend marked down is skipped while another is up', (t) => {
  const { table } = compileTable(snapshot(), DEFAULTS, 'apps.test', new BackendRegistry(DEFAULTS, createProxy));
  const pool = table.match('shop.example.com')!.route.pool;
  const down = pool.members[0].backend;
  down.downUntil = Date.now() + 60_000;
  for (let i = 0; i < 10; i++) t.not(pool.pick(null), down);
  t.is(pool.pick([pool.members[1].backend]), down, 'all others tried: the down one is still offered');
});

test('normalizeHost strips the port and a trailing dot and lowercases', (t) => {
  t.is(normalizeHost('A.Example.com.:443'), 'a.example.com');
  t.is(normalizeHost('[::1]:8080'), '[::1]');
  t.is(normalizeHost('[::1]'), '[::1]');
});

// OWASP SSRF cheat sheet / WHATWG URL "ends in a number": every IPv4 spelling, and IPv6 literals, name no app,
// even when the table holds rows that would match them as names (the CHECK on router_hosts allows `*.0.1`).
test('an IP literal Host never matches, whatever rows the table holds', (t) => {
  const snap = snapshot();
  snap.hosts.push({ host: '*.0.1', app: 'shop', certificate: null }, { host: '1.2.3.4', app: 'shop', certificate: null },
    { host: '*.0x1', app: 'shop', certificate: null });
  const { table } = compileTable(snap, DEFAULTS, '0.1', new BackendRegistry(DEFAULTS, createProxy));
  for (const host of ['127.0.0.1', '127.0.0.1:80', '10.0.1', '1.2.3.4', '1.2.3.4.', 'shop.0.1', 'a.0x1', '[::1]', '[::1]:443', '[fd00::1]']) {
    t.is(table.match(host), null, host);
  }
  t.is(table.match('shop.example.com')?.route.app, 'shop');
});
