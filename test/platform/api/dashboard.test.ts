import test from 'ava';
import { startApi, must, seedRelease, type TestApi } from './harness.js';
import { insertBuild, markBuildFailed } from '../../../platform/store/builds.js';

let api: TestApi;
let a: { token: string };
let b: { token: string };
test.before(async () => {
  api = await startApi('api_dash');
  a = await api.tenant('dash-a');
  b = await api.tenant('dash-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'blog' } }), 201);
  await seedRelease(api.db, 'shop', 1, { description: '<script>alert("x")</script> & more', current: true });
});
test.after.always(async () => { await api?.close(); });

async function login(token: string): Promise<string> {
  const r = await api.call('POST', '/dashboard/login', { token: null, raw: new URLSearchParams({ token }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (r.status !== 302) throw new Error(`login: ${r.status}`);
  return String(r.headers['set-cookie']);
}

const page = (p: string, cookie: string) => api.call('GET', p, { token: null, headers: { cookie: cookie.split(';')[0] } });

test('/ goes to the dashboard, which asks for a login first', async (t) => {
  t.is((await api.call('GET', '/', { token: null })).headers.location, '/dashboard');
  t.is((await api.call('GET', '/dashboard', { token: null })).headers.location, '/dashboard/login');
  const form = await must(api.call('GET', '/dashboard/login', { token: null }), 200);
  t.regex(form.text, /<form method="post" action="\/dashboard\/login">/);
});

test('a bad token is refused; a good one sets an HttpOnly SameSite=Strict cookie', async (t) => {
  const bad = await api.call('POST', '/dashboard/login', { token: null, raw: 'token=tsp_wrong', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(bad.status, 401);
  t.regex(bad.text, /not valid/);
  const cookie = await login(a.token);
  t.regex(cookie, /tspaas_token=tsp_/);
  t.regex(cookie, /httponly/i);
  t.regex(cookie, /samesite=strict/i);
});

test('apps of the caller\'s teams only; another tenant\'s app page is 404; values are HTML-escaped', async (t) => {
  const cookie = await login(a.token);
  const list = await must(page('/dashboard', cookie), 200);
  t.regex(list.text, /href="\/dashboard\/apps\/shop"/);
  t.notRegex(list.text, /blog/);
  const shop = await must(page('/dashboard/apps/shop', cookie), 200);
  t.false(shop.text.includes('<script>alert'));
  t.true(shop.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'));
  t.regex(shop.text, /v1/);
  t.regex(shop.text, /processes are unavailable/); // this test runs no scheduler
  const theirs = await page('/dashboard/apps/blog', cookie);
  t.is(theirs.status, 404);
  t.notRegex(theirs.text, /dash-b/);
  const bCookie = await login(b.token);
  t.regex((await must(page('/dashboard/apps/blog', bCookie), 200)).text, /dash-b/);
});

// Issue 14 part P: a failed build made no release; the app page and the API still show it with its reason.
test('failed builds are on the app page and at GET /v1/apps/:app/builds/:id with their reason; not for another team', async (t) => {
  const { rows } = await api.db.query<{ id: string }>("SELECT id FROM apps WHERE name = 'shop'");
  const build = await insertBuild(api.db, rows[0]!.id, null, 'a'.repeat(40));
  await markBuildFailed(api.db, build.id, "The command '/bin/sh -c apt-get install -y <nodejs-legacy>' returned a non-zero code: 100");
  const shop = await must(page('/dashboard/apps/shop', await login(a.token)), 200);
  t.regex(shop.text, /<h3>Failed builds<\/h3>/);
  t.true(shop.text.includes(`<code>${build.id}</code>`));
  t.true(shop.text.includes('returned a non-zero code: 100'));
  t.true(shop.text.includes('&lt;nodejs-legacy&gt;'), 'the reason is HTML-escaped');
  const one = await must(api.call('GET', `/v1/apps/shop/builds/${build.id}`, { token: a.token }), 200);
  t.like(one.body as object, { id: build.id, status: 'failed', error: "The command '/bin/sh -c apt-get install -y <nodejs-legacy>' returned a non-zero code: 100" });
  t.is((await api.call('GET', `/v1/apps/shop/builds/${build.id}`, { token: b.token })).status, 404);
  t.is((await api.call('GET', '/v1/apps/shop/builds/not-a-build', { token: a.token })).status, 404);
});
