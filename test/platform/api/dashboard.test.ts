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

// Issue 17: the team page, the tokens page, the admin page.

/** A user `email` in team dash-a with `role`, and their token. */
async function teamUser(email: string, role: 'owner' | 'member' | 'viewer'): Promise<string> {
  await must(api.call('POST', '/v1/users', { body: { email, teams: [] } }), 201);
  await must(api.call('POST', '/v1/teams/dash-a/members', { body: { email, role } }), 200);
  return ((await must(api.call('POST', `/v1/users/${encodeURIComponent(email)}/tokens`, { body: {} }), 201)).body as { token: string }).token;
}

/** An address users.email takes (no space, one @) that is markup: it must render as text. */
const XSS_EMAIL = 'x"<svg/onload=window.__xss=1>@t.test';

test.serial('the team page: viewers and members read the members; owners get the forms and the quotas; admins also the quota form; others 404', async (t) => {
  const viewer = await loggedIn(await teamUser('viewer-a@test', 'viewer'));
  const member = await loggedIn(await teamUser('member-a@test', 'member'));
  const owner = await loggedIn(a.token);
  const admin = await loggedIn(api.adminToken);
  for (const [who, v] of [['viewer', viewer], ['member', member]] as const) {
    const page = await must(v.get('/dashboard/teams/dash-a'), 200);
    t.regex(page.text, /<h2>Team dash-a<\/h2>/, who);
    t.regex(page.text, /<td>dash-a@test<\/td>\s*<td>owner<\/td>/, `${who} sees the owner`);
    t.notRegex(page.text, /action="\/dashboard\/teams\/dash-a\/members/, `${who}: no member forms`);
    t.notRegex(page.text, /Quotas and use/, `${who}: no quotas`);
    t.regex(page.text, /href="\/dashboard\/teams\/dash-a">Team dash-a<\/a>/, `${who}: the nav links the team`);
  }
  const own = await must(owner.get('/dashboard/teams/dash-a'), 200);
  t.regex(own.text, /action="\/dashboard\/teams\/dash-a\/members"/);
  t.regex(own.text, /<label><span class="visually-hidden">Role of viewer-a@test<\/span> <select name="role"><option>owner<\/option><option>member<\/option><option selected>viewer<\/option>/);
  t.regex(own.text, /<button class="secondary">Remove<span class="visually-hidden"> member-a@test<\/span><\/button>/);
  t.regex(own.text, /<h3 id="quotas">Quotas and use<\/h3>/);
  t.notRegex(own.text, /action="\/dashboard\/teams\/dash-a\/quota"/, 'only admins set quotas');
  t.regex(own.text, /<code>teams\.add-member<\/code>/, 'the team\'s activity');
  const adm = await must(admin.get('/dashboard/teams/dash-a'), 200);
  t.regex(adm.text, /action="\/dashboard\/teams\/dash-a\/quota"/);
  t.regex((await must(admin.get('/dashboard'), 200)).text, /href="\/dashboard\/admin">Admin<\/a>/);
  const outsider = await loggedIn(b.token);
  const theirs = await outsider.get('/dashboard/teams/dash-a');
  t.is(theirs.status, 404);
  t.regex(theirs.text, /team dash-a not found/);
  t.is((await outsider.get('/dashboard/teams/no-such-team')).status, 404);
  // A viewer or a member posting an owner's form: refused with the role message, nothing changes.
  for (const v of [viewer, member]) {
    const refused = await v.follow(await v.post('/dashboard/teams/dash-a/members/role', { email: 'viewer-a@test', role: 'owner' }));
    t.regex(refused.text, /class="notice error" role="alert">this needs the owner role in team dash-a; you are a (viewer|member)/);
  }
  const outside = await outsider.follow(await outsider.post('/dashboard/teams/dash-a/members', { email: 'dash-b@test', role: 'owner' }));
  t.is(outside.status, 404);
  const roles = await api.db.query<{ role: string }>("SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id JOIN teams t ON t.id = m.team_id WHERE t.name = 'dash-a' AND u.email IN ('viewer-a@test', 'dash-b@test')");
  t.deepEqual(roles.rows.map((r) => r.role), ['viewer']);
});

test.serial('owners add members with a role, change roles and remove members, but never the last owner', async (t) => {
  await must(api.call('POST', '/v1/users', { body: { email: 'joiner@test', teams: [] } }), 201);
  const owner = await loggedIn(a.token);
  await owner.get('/dashboard/teams/dash-a');
  const added = await owner.follow(await owner.post('/dashboard/teams/dash-a/members', { email: 'joiner@test', role: 'viewer' }));
  t.regex(added.text, /Added joiner@test to dash-a as viewer\./);
  t.regex(added.text, /<label><span class="visually-hidden">Role of joiner@test<\/span> <select name="role"><option>owner<\/option><option>member<\/option><option selected>viewer<\/option>/);
  const again = await owner.follow(await owner.post('/dashboard/teams/dash-a/members', { email: 'joiner@test', role: 'member' }));
  t.regex(again.text, /joiner@test is in team dash-a already/);
  const nobody = await owner.follow(await owner.post('/dashboard/teams/dash-a/members', { email: 'nobody@test' }));
  t.regex(nobody.text, /user nobody@test not found/);
  const badRole = await owner.follow(await owner.post('/dashboard/teams/dash-a/members/role', { email: 'joiner@test', role: 'emperor' }));
  t.regex(badRole.text, /class="notice error"/);
  const changed = await owner.follow(await owner.post('/dashboard/teams/dash-a/members/role', { email: 'joiner@test', role: 'member' }));
  t.regex(changed.text, /joiner@test is now a member of dash-a\./);
  const last = await owner.follow(await owner.post('/dashboard/teams/dash-a/members/remove', { email: 'dash-a@test' }));
  t.regex(last.text, /class="notice error" role="alert">cannot remove dash-a@test: dash-a@test is the last owner of team dash-a/);
  const demote = await owner.follow(await owner.post('/dashboard/teams/dash-a/members/role', { email: 'dash-a@test', role: 'viewer' }));
  t.regex(demote.text, /cannot make dash-a@test a viewer: dash-a@test is the last owner/);
  const removed = await owner.follow(await owner.post('/dashboard/teams/dash-a/members/remove', { email: 'joiner@test' }));
  t.regex(removed.text, /Removed joiner@test from dash-a\./);
  t.notRegex(removed.text, /<td>joiner@test/);
  t.regex(removed.text, /<code>teams\.remove-member<\/code>/);
  const audit = await api.db.query<{ address: string | null }>("SELECT address FROM audit_log WHERE action = 'teams.set-role' AND details->>'email' = 'joiner@test'");
  t.is(audit.rows.length, 1);
  t.truthy(audit.rows[0]!.address, 'with the browser\'s address');
});

test.serial('quotas: owners see use against limits; admins set them from the form (blank: unchanged, none: unlimited)', async (t) => {
  const admin = await loggedIn(api.adminToken);
  await admin.get('/dashboard/teams/dash-a');
  const set = await admin.follow(await admin.post('/dashboard/teams/dash-a/quota', { apps: '5', memory: '1G', plans: '', processes: '' }));
  t.regex(set.text, /Set the quotas of dash-a: apps, memoryBytes\./);
  t.regex(set.text, /<tr><td>Apps<\/td><td>\d+<\/td><td>5<\/td><\/tr>/);
  t.regex(set.text, /<tr><td>Memory<\/td><td>[^<]+<\/td><td>1 GiB<\/td><\/tr>/);
  const cleared = await admin.follow(await admin.post('/dashboard/teams/dash-a/quota', { apps: 'none' }));
  t.regex(cleared.text, /<tr><td>Apps<\/td><td>\d+<\/td><td>unlimited<\/td><\/tr>/);
  t.regex(cleared.text, /<tr><td>Memory<\/td><td>[^<]+<\/td><td>1 GiB<\/td><\/tr>/, 'PATCH: the others stay');
  const bad = await admin.follow(await admin.post('/dashboard/teams/dash-a/quota', { memory: 'lots' }));
  t.regex(bad.text, /invalid memory quota &quot;lots&quot;/);
  const owner = await loggedIn(a.token);
  await owner.get('/dashboard/teams/dash-a');
  const refused = await owner.follow(await owner.post('/dashboard/teams/dash-a/quota', { apps: '1000' }));
  t.regex(refused.text, /only admins may do this/);
  const q = (await must(api.call('GET', '/v1/teams/dash-a/quota'), 200)).body as { limits: { apps: number | null; memoryBytes: number | null } };
  t.deepEqual([q.limits.apps, q.limits.memoryBytes], [null, 1024 ** 3]);
  await must(api.call('PUT', '/v1/teams/dash-a/quota', { body: {} }), 200);
});

test.serial('the tokens page: own tokens without secrets; a new token\'s secret shown once, on the POST\'s own 201 page; revoking the session\'s token ends it', async (t) => {
  const email = 'tokens-page@test';
  const token = await teamUser(email, 'member');
  const v = await loggedIn(token);
  const list = await must(v.get('/dashboard/tokens'), 200);
  t.regex(list.text, /<h2>API tokens<\/h2>/);
  t.regex(list.text, /\(this session\)/);
  t.false(list.text.includes(token), 'never a secret');
  const made = await v.post('/dashboard/tokens', { name: 'ci', expires: '30d' });
  t.is(made.status, 201, 'rendered by the POST, no redirect');
  t.is(made.headers.location, undefined);
  t.is(made.headers['cache-control'], 'no-store');
  const secret = /id="new-token" class="secret" readonly value="(tsp_[^"]+)"/.exec(made.text)?.[1] ?? '';
  t.regex(secret, /^tsp_/);
  t.regex(made.text, /Copy it now:/);
  t.regex(made.text, /<time datetime="[^"]+" title="[^"]+">in 30 days<\/time>/);
  t.false((made.headers['set-cookie'] ?? []).some((c) => c.includes(secret)), 'not in a cookie');
  t.is((await must(api.call('GET', '/v1/whoami', { token: secret }), 200) as { body: { email: string } }).body.email, email);
  const after = await must(v.get('/dashboard/tokens'), 200);
  t.false(after.text.includes(secret), 'never shown again');
  t.regex(after.text, /<td>ci<\/td>\s*<td><code>tsp_[^<]{4}…<\/code><\/td>/);
  const dup = await v.follow(await v.post('/dashboard/tokens', { name: 'ci' }));
  t.regex(dup.text, /class="notice error" role="alert">you already have a token named ci: pick another name/, 'a refusal is the notice on the tokens page');
  t.regex(dup.text, /<h2>API tokens<\/h2>/);
  const badExpiry = await v.follow(await v.post('/dashboard/tokens', { name: 'later', expires: 'someday' }));
  t.regex(badExpiry.text, /class="notice error" role="alert">expires &quot;someday&quot; is neither a duration/);
  const id = (await api.db.query<{ id: string }>("SELECT t.id FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1 AND t.name = 'ci'", [email])).rows[0]!.id;
  const revoked = await v.follow(await v.post('/dashboard/tokens/revoke', { id }));
  t.regex(revoked.text, /Revoked token ci: it is refused from now on\./);
  t.regex(revoked.text, /revoked <time/);
  t.is((await api.call('GET', '/v1/whoami', { token: secret })).status, 401);
  // Someone else's token, by its id: not found for this caller.
  const other = (await api.db.query<{ id: string }>("SELECT t.id FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.email = 'dash-a@test' LIMIT 1")).rows[0]!.id;
  t.regex((await v.follow(await v.post('/dashboard/tokens/revoke', { id: other }))).text, /no token named/);
  t.is((await api.call('GET', '/v1/whoami', { token: a.token })).status, 200);
  // The session's own token: the next page is the login form with the reason.
  const mine = (await api.db.query<{ id: string }>("SELECT t.id FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1 AND t.revoked_at IS NULL", [email])).rows[0]!.id;
  const ended = await v.follow(await v.post('/dashboard/tokens/revoke', { id: mine }));
  t.is(ended.status, 401);
  t.regex(ended.text, /Your session ended: token revoked/);
});

test.serial('the admin page: admins only (403 for owners, members, viewers); capacity and use per team; create and delete users, escaped', async (t) => {
  for (const token of [a.token, b.token, await teamUser('viewer-admin-page@test', 'viewer')]) {
    const v = await loggedIn(token);
    const r = await v.get('/dashboard/admin');
    t.is(r.status, 403);
    t.regex(r.text, /<h2>403<\/h2>\s*<p>only admins may do this<\/p>/);
    t.notRegex((await v.get('/dashboard')).text, /href="\/dashboard\/admin"/);
    t.regex((await v.follow(await v.post('/dashboard/admin/users', { email: 'sneaky@test' }))).text, /only admins may do this/);
  }
  t.is((await api.db.query("SELECT 1 FROM users WHERE email = 'sneaky@test'")).rowCount, 0);
  const admin = await loggedIn(api.adminToken);
  const page = await must(admin.get('/dashboard/admin'), 200);
  t.regex(page.text, /<td><a href="\/dashboard\/teams\/dash-a">dash-a<\/a><\/td><td>\d+<\/td><td>\d+<\/td>/);
  t.regex(page.text, /<th scope="row">The host<\/th>/);
  t.regex(page.text, /GiB free of [\d.]+ [GT]iB/, 'the data directory\'s disk');
  t.regex(page.text, /<span class="muted">unknown<\/span>/, 'no scheduler in this test: capacity and containers unknown');
  const made = await admin.follow(await admin.post('/dashboard/admin/users', { email: XSS_EMAIL, teams: 'dash-a' }));
  t.regex(made.text, /Created x&quot;&lt;svg\/onload&#x3D;window.__xss&#x3D;1&gt;@t.test in dash-a/);
  t.false(made.text.includes('<svg'), 'the admin page escapes the email');
  t.regex((await must(admin.get('/dashboard/teams/dash-a'), 200)).text, /<td>x&quot;&lt;svg\/onload&#x3D;window.__xss&#x3D;1&gt;@t.test<\/td>/);
  t.false((await admin.get('/dashboard/teams/dash-a')).text.includes('<svg'), 'so does the team page');
  const team = await admin.follow(await admin.post('/dashboard/admin/teams', { name: 'made-by-form' }));
  t.regex(team.text, /Created team made-by-form\./);
  const unconfirmed = await admin.follow(await admin.post('/dashboard/admin/users/delete', { email: 'viewer-admin-page@test', confirm: 'viewer' }));
  t.regex(unconfirmed.text, /type viewer-admin-page@test to confirm that the user is to be deleted/);
  const deleted = await admin.follow(await admin.post('/dashboard/admin/users/delete', { email: 'viewer-admin-page@test', confirm: 'viewer-admin-page@test' }));
  t.regex(deleted.text, /Deleted viewer-admin-page@test/);
  t.is((await api.db.query("SELECT 1 FROM users WHERE email = 'viewer-admin-page@test'")).rowCount, 0);
  t.regex((await admin.follow(await admin.post('/dashboard/admin/users/delete', { email: 'admin@localhost', confirm: 'admin@localhost' }))).text, /class="notice error"/);
});

test.serial('the new forms refuse a POST without the session\'s CSRF token and change nothing', async (t) => {
  const admin = await loggedIn(api.adminToken);
  const other = await loggedIn(a.token);
  for (const [path, fields] of [
    ['/dashboard/teams/dash-a/members', { email: 'member-a@test', role: 'owner' }],
    ['/dashboard/teams/dash-a/members/role', { email: 'member-a@test', role: 'owner' }],
    ['/dashboard/teams/dash-a/members/remove', { email: 'member-a@test' }],
    ['/dashboard/teams/dash-a/quota', { apps: '0' }],
    ['/dashboard/tokens', { name: 'forged' }],
    ['/dashboard/tokens/revoke', { id: 'bootstrap' }],
    ['/dashboard/admin/teams', { name: 'forged' }],
    ['/dashboard/admin/users', { email: 'forged@test' }],
    ['/dashboard/admin/users/delete', { email: 'member-a@test', confirm: 'member-a@test' }],
  ] as const) {
    t.is((await admin.post(path, fields, { csrf: null })).status, 403, `${path} without a token`);
    t.is((await admin.post(path, fields, { csrf: other.csrf })).status, 403, `${path} with another session's token`);
    t.is((await admin.post(path, fields, { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403, `${path} cross-site`);
    t.is((await new Visitor().post(path, fields, { csrf: admin.csrf })).status, 401, `${path} without a session`);
  }
  const roles = await api.db.query<{ role: string }>("SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'member-a@test'");
  t.deepEqual(roles.rows.map((r) => r.role), ['member']);
  t.is((await api.db.query("SELECT 1 FROM tokens WHERE name = 'forged' OR revoked_at IS NOT NULL AND name = 'bootstrap'")).rowCount, 0);
  t.is((await api.db.query("SELECT 1 FROM teams WHERE name = 'forged'")).rowCount, 0);
  t.is((await api.db.query("SELECT 1 FROM users WHERE email = 'forged@test'")).rowCount, 0);
  t.is((await api.db.query('SELECT 1 FROM team_quotas WHERE apps = 0')).rowCount, 0);
});

test('the team, tokens and admin pages have the same policy and no inline script, style or handler', async (t) => {
  const admin = await loggedIn(api.adminToken);
  for (const path of ['/dashboard/teams/dash-a', '/dashboard/tokens', '/dashboard/admin']) {
    const r = await must(admin.get(path), 200);
    t.regex(String(r.headers['content-security-policy']), /^default-src 'none'; script-src 'self';/, path);
    t.is(r.headers['cache-control'], 'no-store', path);
    t.notRegex(r.text, /<script|<style| style=| on[a-z]+="/i, `${path} has no inline script, style or handler`);
  }
});
