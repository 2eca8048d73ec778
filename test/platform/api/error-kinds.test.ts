/**
 * Each error kind the platform raises, driven for real through the platform
 * API: the status is the one of lib/http-status.ts (the table the Engine API
 * uses too), the body names the kind, and the CLI's client
 * (cli/platform-client.ts) reads the same kind back — also from the status
 * alone, when a proxy in front answers without the JSON body. NotModified is
 * left out: nothing in the platform raises it.
 */
import test from 'ava';
import { PlatformError, PlatformClient, apiError } from '../../../cli/platform-client.js';
import type { ErrorKind } from '../../../lib/errors.js';
import { STATUS_OF_KIND } from '../../../lib/http-status.js';
import { must, startApi, type TestApi } from './harness.js';

interface Case { kind: ErrorKind; method: string; path: string; token: string; body?: unknown }

/** The status and body kind of the request, then what the CLI's client throws for it. */
async function roundTrip(api: TestApi, c: Case) {
  const reply = await api.call(c.method, `/v1${c.path}`, { token: c.token, body: c.body });
  const thrown = await new PlatformClient(api.url, c.token).json(c.method, c.path, c.body).then(() => null, (err: unknown) => err);
  return { status: reply.status, bodyKind: (reply.body as { error?: { kind?: string } }).error?.kind, thrown };
}

function checkCase(t: import('ava').ExecutionContext, r: Awaited<ReturnType<typeof roundTrip>>, c: Case) {
  const label = `${c.kind}: ${c.method} ${c.path}`;
  t.is(r.status, STATUS_OF_KIND[c.kind], label);
  t.is(r.bodyKind, c.kind, label);
  t.true(r.thrown instanceof PlatformError, label);
  t.like(r.thrown, { kind: c.kind, status: STATUS_OF_KIND[c.kind] }, label);
  t.is(apiError(r.status, 'Bad Gateway', api.url).kind, c.kind, `${label}: the kind from the status alone`);
}

let api: TestApi;
test.before(async () => {
  api = await startApi('api_error_kinds');
});
test.after.always(async () => { await api?.close(); });

test('NotFound, Conflict, Invalid, Unauthorized, Forbidden, Unavailable: the table\'s status, the body\'s kind, the CLI\'s kind', async (t) => {
  const a = await api.tenant('kinds-a');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'kinds-shop' } }), 201);
  const cases: Case[] = [
    { kind: 'NotFound', method: 'GET', path: '/apps/no-such-app', token: a.token },
    { kind: 'Conflict', method: 'POST', path: '/apps', token: a.token, body: { name: 'kinds-shop' } },
    { kind: 'Invalid', method: 'POST', path: '/apps', token: a.token, body: { name: 'Not A Name!' } },
    { kind: 'Unauthorized', method: 'GET', path: '/apps', token: 'tsp_not-a-token' },
    { kind: 'Forbidden', method: 'GET', path: '/status', token: a.token },
    // the scheduler is not part of this test: the harness's absent part refuses with Unavailable
    { kind: 'Unavailable', method: 'GET', path: '/apps/kinds-shop/processes', token: a.token },
  ];
  for (const c of cases) checkCase(t, await roundTrip(api, c), c);
  t.is(STATUS_OF_KIND.Unavailable, 503);
});

test('Internal: a failure the code did not expect (a table gone from the database) is 500 with a generic message', async (t) => {
  const own = await startApi('api_error_kinds_internal');
  t.teardown(() => own.close());
  const a = await own.tenant('kinds-b');
  await must(own.call('POST', '/v1/apps', { token: a.token, body: { name: 'kinds-web' } }), 201);
  await own.db.query('DROP TABLE domains CASCADE');
  const c: Case = { kind: 'Internal', method: 'GET', path: '/apps/kinds-web/domains', token: a.token };
  const reply = await own.call(c.method, `/v1${c.path}`, { token: c.token });
  t.is(reply.status, 500);
  t.deepEqual(reply.body, { error: { kind: 'Internal', message: 'internal error' } });
  const thrown = await new PlatformClient(own.url, a.token).json('GET', c.path).then(() => null, (err: unknown) => err);
  t.like(thrown, { kind: 'Internal', status: 500 });
  // The dashboard's app page reads the same table: the same status, a generic page.
  // (The session cookie holds the API token: docs/api.md, "Dashboard".)
  const pageReply = await own.call('GET', '/dashboard/apps/kinds-web', { token: null, headers: { cookie: `tspaas_token=${a.token}` } });
  t.is(pageReply.status, 500);
  t.regex(pageReply.text, /Something went wrong/);
  t.notRegex(pageReply.text, /domains/);
});
