/**
 * The dashboard at the HTTP level (no browser; test/platform/e2e/dashboard.test.ts
 * drives chromium): login by token and by one-time link, cookie flags, the
 * Content-Security-Policy, CSRF refusals on every kind of POST, escaping,
 * masked config values, and forms that reach the API's own operations.
 */
import test from 'ava';
import { startApi, must, seedRelease, type Reply, type TestApi } from './harness.js';
import { insertBuild, markBuildFailed } from '../../../platform/store/builds.js';
import { createLoginCode, LINK_TTL_MS, redeemLoginCode } from '../../../platform/auth/login-links.js';

let api: TestApi;
let a: { token: string };
let b: { token: string };
test.before(async () => {
  api = await startApi('api_dash');
  a = await api.tenant('dash-a');
  b = await api.tenant('dash-b');
  await must(api.call('POST', '/v1/apps', { token: a.token, body: { name: 'shop' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: b.token, body: { name: 'blog' } }), 201);
  await seedRelease(api.db, 'shop', 1, {
    description: '<script>alert("x")</script> & more', current: true,
    config: { DATABASE_URL: 'postgres://u:s3cret-pw@db/x', GREETING: '<img src=x onerror="window.__xss=1">' },
  });
});
test.after.always(async () => { await api?.close(); });

/** A browser's view of the dashboard: a cookie jar, GETs and form POSTs (with the page's CSRF token unless told otherwise). */
class Visitor {
  private jar = new Map<string, string>();
  csrf = '';

  private remember(r: Reply): Reply {
    for (const c of cookiesOf(r)) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(pair!.slice(0, eq));
      else this.jar.set(pair!.slice(0, eq), value);
    }
    const token = /name="csrf" value="([^"]+)"/.exec(r.text)?.[1];
    if (token) this.csrf = token;
    return r;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '), ...extra };
  }

  async get(path: string): Promise<Reply> {
    return this.remember(await api.call('GET', path, { token: null, headers: this.headers() }));
  }

  async post(path: string, fields: Record<string, string>, opts: { csrf?: string | null; headers?: Record<string, string> } = {}): Promise<Reply> {
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    const body = new URLSearchParams(csrf === null ? fields : { ...fields, csrf }).toString();
    return this.remember(await api.call('POST', path, { token: null, raw: body, headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', ...opts.headers }) }));
  }

  async login(token: string): Promise<Reply> {
    await this.get('/dashboard/login');
    return this.post('/dashboard/login', { token });
  }

  /** Follow a POST's redirect: the page it leads to, with its notice. */
  async follow(r: Reply): Promise<Reply> {
    if (r.status !== 303) throw new Error(`expected a 303, got ${r.status}: ${r.text.slice(0, 300)}`);
    return this.get(String(r.headers.location));
  }
}

function cookiesOf(r: Reply): string[] {
  return r.headers['set-cookie'] ?? [];
}

async function loggedIn(token: string): Promise<Visitor> {
  const v = new Visitor();
  const r = await v.login(token);
  if (r.status !== 303) throw new Error(`login: ${r.status} ${r.text.slice(0, 300)}`);
  await v.get('/dashboard'); // the session's CSRF token (the login page's was the pre-session's)
  return v;
}

const appCount = async (name: string) => Number((await api.db.query<{ n: string }>('SELECT count(*) AS n FROM apps WHERE name = $1', [name])).rows[0]!.n);

test('/ goes to the dashboard, which asks for a login first', async (t) => {
  t.is((await api.call('GET', '/', { token: null })).headers.location, '/dashboard');
  t.is((await api.call('GET', '/dashboard', { token: null })).headers.location, '/dashboard/login');
  const form = await must(api.call('GET', '/dashboard/login', { token: null }), 200);
  t.regex(form.text, /<form method="post" action="\/dashboard\/login">/);
  t.regex(form.text, /<label class="stacked" for="token">API token<\/label>/);
});

test('a bad token is refused; a good one sets an HttpOnly SameSite=Strict cookie (not Secure on http)', async (t) => {
  const v = new Visitor();
  t.is((await v.login('tsp_wrong')).status, 401);
  const r = await v.login(a.token);
  t.is(r.status, 303);
  const session = cookiesOf(r).find((c) => c.startsWith('tspaas_token='))!;
  t.regex(session, /^tspaas_token=tsp_/);
  t.regex(session, /httponly/i);
  t.regex(session, /samesite=strict/i);
  t.regex(session, /path=\/dashboard/i);
  t.notRegex(session, /secure/i);
});

test('the login form itself is CSRF-protected: without the pre-session cookie and its token it is 403', async (t) => {
  const noCookie = await api.call('POST', '/dashboard/login', { token: null, raw: `token=${a.token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.is(noCookie.status, 403);
  t.false((noCookie.headers['set-cookie'] ?? []).some((c) => c.startsWith('tspaas_token=')), 'no session cookie');
  const v = new Visitor();
  await v.get('/dashboard/login');
  t.is((await v.post('/dashboard/login', { token: a.token }, { csrf: 'forged' })).status, 403);
  t.is((await v.post('/dashboard/login', { token: a.token }, { csrf: null })).status, 403);
});

test('with an https public URL every dashboard cookie is also Secure', async (t) => {
  const tls = await startApi('api_dash_tls', {}, { publicUrl: 'https://paas.example.com/' });
  try {
    const user = await tls.tenant('dash-tls');
    const login = await tls.call('GET', '/dashboard/login', { token: null });
    const pre = (login.headers['set-cookie'] ?? []).find((c) => c.startsWith('tspaas_login=')) ?? '';
    t.regex(pre, /tspaas_login=.*secure/i);
    const csrf = /name="csrf" value="([^"]+)"/.exec(login.text)![1]!;
    const r = await tls.call('POST', '/dashboard/login', { token: null, raw: new URLSearchParams({ token: user.token, csrf }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pre.split(';')[0]! } });
    t.is(r.status, 303);
    const session = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('tspaas_token=')) ?? '';
    for (const flag of [/; secure/i, /; samesite=strict/i, /; httponly/i, /; path=\/dashboard/i]) t.regex(session, flag);
  } finally {
    await tls.close();
  }
});

test('every page has a strict Content-Security-Policy, and the CSS and the log script are served under it', async (t) => {
  const v = await loggedIn(a.token);
  for (const path of ['/dashboard/login', '/dashboard', '/dashboard/apps/shop']) {
    const r = await v.get(path);
    const csp = String(r.headers['content-security-policy']);
    t.regex(csp, /default-src 'none'/, path);
    t.regex(csp, /script-src 'self'/, path);
    t.regex(csp, /frame-ancestors 'none'/, path);
    t.notRegex(csp, /unsafe-inline|unsafe-eval/, path);
    t.notRegex(r.text, /<script>|<style>| style=| on[a-z]+="/i, `${path} has no inline script, style or handler`);
  }
  const css = await must(api.call('GET', '/dashboard/static/dashboard.css', { token: null }), 200);
  t.regex(String(css.headers['content-type']), /text\/css/);
  const js = await must(api.call('GET', '/dashboard/static/logs.js', { token: null }), 200);
  t.regex(String(js.headers['content-type']), /text\/javascript/);
  t.is((await api.call('GET', '/dashboard/static/..%2Fsession.ts', { token: null })).status, 404);
});

test('every POST without the session\'s CSRF token is 403 and changes nothing', async (t) => {
  const v = await loggedIn(a.token);
  await v.get('/dashboard');
  const other = await loggedIn(b.token);
  await other.get('/dashboard');
  for (const [path, fields] of [
    ['/dashboard/apps', { name: 'forged' }],
    ['/dashboard/apps/shop/destroy', { confirm: 'shop' }],
    ['/dashboard/apps/shop/config', { name: 'FORGED', value: '1' }],
    ['/dashboard/apps/shop/domains', { hostname: 'forged.example.com' }],
    ['/dashboard/logout', {}],
  ] as const) {
    t.is((await v.post(path, fields, { csrf: null })).status, 403, `${path} without a token`);
    t.is((await v.post(path, fields, { csrf: 'x'.repeat(43) })).status, 403, `${path} with a wrong token`);
    t.is((await v.post(path, fields, { csrf: other.csrf })).status, 403, `${path} with another session's token`);
    t.is((await v.post(path, fields, { headers: { 'sec-fetch-site': 'same-site' } })).status, 403, `${path} from another app's site`);
  }
  t.is(await appCount('forged'), 0);
  t.is(await appCount('shop'), 1);
  t.is((await api.db.query("SELECT 1 FROM domains WHERE hostname = 'forged.example.com'")).rowCount, 0);
  t.is((await v.get('/dashboard')).status, 200, 'still logged in');
  // Without a session at all.
  t.is((await new Visitor().post('/dashboard/apps', { name: 'forged' }, { csrf: v.csrf })).status, 401);
});

test('apps of the caller\'s teams only, with status and the web URL as a link; another tenant\'s app page is 404; values are HTML-escaped', async (t) => {
  const v = await loggedIn(a.token);
  const list = await must(v.get('/dashboard'), 200);
  t.regex(list.text, /href="\/dashboard\/apps\/shop"/);
  t.regex(list.text, /<a href="http:\/\/shop\.localhost:8080">http:\/\/shop\.localhost:8080<\/a>/);
  t.notRegex(list.text, /blog/);
  const shop = await must(v.get('/dashboard/apps/shop'), 200);
  t.false(shop.text.includes('<script>alert'));
  t.true(shop.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more'));
  t.regex(shop.text, /<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">just now<\/time>/, 'relative times, the exact one on hover');
  t.regex(shop.text, /processes are unavailable/); // this test runs no scheduler
  t.regex(shop.text, /<noscript><p>Live logs need JavaScript/);
  const theirs = await v.get('/dashboard/apps/blog');
  t.is(theirs.status, 404);
  t.notRegex(theirs.text, /dash-b/);
  t.regex((await must((await loggedIn(b.token)).get('/dashboard/apps/blog'), 200)).text, /dash-b/);
});

test('config values are masked until revealed (one or all), and escaped when shown', async (t) => {
  const v = await loggedIn(a.token);
  const masked = (await must(v.get('/dashboard/apps/shop'), 200)).text;
  t.regex(masked, /<code>DATABASE_URL<\/code>/);
  t.false(masked.includes('s3cret-pw'));
  t.false(masked.includes('onerror'));
  const one = (await must(v.get('/dashboard/apps/shop?reveal=DATABASE_URL'), 200)).text;
  t.true(one.includes('postgres://u:s3cret-pw@db/x'));
  t.false(one.includes('onerror'), 'only the value asked for');
  const all = (await must(v.get('/dashboard/apps/shop?reveal=all'), 200)).text;
  t.true(all.includes('&lt;img src&#x3D;x onerror&#x3D;&quot;window.__xss&#x3D;1&quot;&gt;'));
  t.false(all.includes('<img src=x'));
});

test('forms reach the API\'s operations: their rules and messages, ownership, audit rows', async (t) => {
  const v = await loggedIn(a.token);
  await v.get('/dashboard');
  const bad = await v.follow(await v.post('/dashboard/apps', { name: 'No Such Name' }));
  t.regex(bad.text, /class="notice error" role="alert">name: invalid value/);
  const taken = await v.follow(await v.post('/dashboard/apps', { name: 'blog' }));
  t.regex(taken.text, /name is taken/);
  const made = await v.follow(await v.post('/dashboard/apps', { name: 'made-here' }));
  t.regex(made.text, /Created made-here/);
  t.regex(made.text, /<code>apps\.create<\/code>/, 'the activity shows the audit row');
  const badVar = await v.follow(await v.post('/dashboard/apps/made-here/config', { name: '1BAD', value: 'x' }));
  t.regex(badVar.text, /1BAD is not a valid config var name/, 'patchConfig\'s own rule');
  const domain = await v.follow(await v.post('/dashboard/apps/made-here/domains', { hostname: '127.0.0.1' }));
  t.regex(domain.text, /class="notice error"/);
  const added = await v.follow(await v.post('/dashboard/apps/made-here/domains', { hostname: 'www.made-here.example' }));
  t.regex(added.text, /Added www\.made-here\.example/);
  t.regex(added.text, /<td>www\.made-here\.example<\/td>/);
  const removed = await v.follow(await v.post('/dashboard/apps/made-here/domains/remove', { hostname: 'www.made-here.example' }));
  t.regex(removed.text, /Removed www\.made-here\.example/);
  // Another team's app, by form: as missing as in the API, and untouched.
  const foreign = await v.post('/dashboard/apps/blog/destroy', { confirm: 'blog' });
  t.is(foreign.status, 303);
  t.is(await appCount('blog'), 1);
  t.regex((await v.get('/dashboard/apps/blog')).text, /app blog not found/);
});

test('destroy needs the app\'s name typed again', async (t) => {
  const v = await loggedIn(a.token);
  await v.follow(await v.post('/dashboard/apps', { name: 'short-lived' }));
  const wrong = await v.follow(await v.post('/dashboard/apps/short-lived/destroy', { confirm: 'short-live' }));
  t.regex(wrong.text, /type short-lived to confirm that it is to be destroyed/);
  t.is((await api.db.query("SELECT 1 FROM apps WHERE name = 'short-lived' AND destroying_at IS NULL")).rowCount, 1);
  // This test has no job queue: the destroy reaches destroyApp, which marks the app and then fails to queue its erase.
  await v.post('/dashboard/apps/short-lived/destroy', { confirm: 'short-lived' });
  t.is((await api.db.query("SELECT 1 FROM apps WHERE name = 'short-lived' AND destroying_at IS NULL")).rowCount, 0);
  t.is((await v.get('/dashboard/apps/short-lived')).status, 404);
});

// Issue 14 part P: a failed build made no release; the app page and the API still show it with its reason.
test('failed builds are on the app page with their reason and a build page; not for another team', async (t) => {
  const { rows } = await api.db.query<{ id: string }>("SELECT id FROM apps WHERE name = 'shop'");
  const build = await insertBuild(api.db, rows[0]!.id, null, 'a'.repeat(40));
  await markBuildFailed(api.db, build.id, "The command '/bin/sh -c apt-get install -y <nodejs-legacy>' returned a non-zero code: 100");
  const v = await loggedIn(a.token);
  const shop = await must(v.get('/dashboard/apps/shop'), 200);
  t.regex(shop.text, /<h3 id="builds">Builds<\/h3>/);
  t.true(shop.text.includes(`href="/dashboard/apps/shop/builds/${build.id}"`));
  t.true(shop.text.includes('returned a non-zero code: 100'));
  t.true(shop.text.includes('&lt;nodejs-legacy&gt;'), 'the reason is HTML-escaped');
  const page = await must(v.get(`/dashboard/apps/shop/builds/${build.id}`), 200);
  t.regex(page.text, /<p class="failed" id="build-error">Failed: <span class="mono">The command/);
  const one = await must(api.call('GET', `/v1/apps/shop/builds/${build.id}`, { token: a.token }), 200);
  t.like(one.body as object, { id: build.id, status: 'failed', error: "The command '/bin/sh -c apt-get install -y <nodejs-legacy>' returned a non-zero code: 100" });
  t.is((await api.call('GET', `/v1/apps/shop/builds/${build.id}`, { token: b.token })).status, 404);
  t.is((await (await loggedIn(b.token)).get(`/dashboard/apps/shop/builds/${build.id}`)).status, 404);
  t.is((await api.call('GET', '/v1/apps/shop/builds/not-a-build', { token: a.token })).status, 404);
});

test('a one-time login link logs in once, as the token that asked for it', async (t) => {
  const link = (await must(api.call('POST', '/v1/dashboard/login-links', { token: a.token }), 201)).body as { url: string; expiresAt: string };
  t.regex(link.url, /^http:\/\/127\.0\.0\.1:5080\/dashboard\/login\/link\/[A-Za-z0-9_-]{32}$/);
  t.true(Date.parse(link.expiresAt) - Date.now() <= LINK_TTL_MS);
  const path = new URL(link.url).pathname;
  const v = new Visitor();
  const first = await v.get(path);
  t.is(first.status, 302);
  t.is(first.headers.location, '/dashboard');
  t.regex(String(first.headers['set-cookie']), /tspaas_token=tsp_.*httponly/i);
  t.regex((await must(v.get('/dashboard'), 200)).text, /dash-a@test/);
  const again = await new Visitor().get(path);
  t.is(again.status, 401);
  t.regex(again.text, /expired or was used already/);
  t.is((await api.call('POST', '/v1/dashboard/login-links', { token: null })).status, 401);
});

test('login codes expire', (t) => {
  const platform = {};
  const { code } = createLoginCode(platform, 'tsp_x', 1000);
  t.is(redeemLoginCode(platform, code, 1000 + LINK_TTL_MS), null);
  const fresh = createLoginCode(platform, 'tsp_y', 1000);
  t.is(redeemLoginCode({}, fresh.code, 1001), null, 'another platform\'s code');
  t.is(redeemLoginCode(platform, fresh.code, 1001), 'tsp_y');
  t.is(redeemLoginCode(platform, fresh.code, 1002), null, 'used once');
});
