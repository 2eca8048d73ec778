/**
 * Issue 17 point 5, the team's side, in a real browser (chromium through
 * playwright-core, test/helpers/browser.ts) against a real tspaasd: an
 * owner adds a member with the role `viewer` on the team page; that user,
 * logged in with their own token, sees the app page with masked config and
 * no forms, is refused when posting a form anyway, cannot open logs or
 * build output; the owner makes them a `member` and they can scale. Also
 * the tokens page (a new token's secret shown once) and the admin page, and
 * a user email made of markup that must render as text on both. Every page
 * is screenshotted and checked by axe-core (test/helpers/browser.ts).
 */
import test from 'ava';
import type { Page } from 'playwright-core';
import { startBrowser, type TestBrowser } from '../../helpers/browser.js';
import { createTenant, makeRepo, must, startWorld, type Tenant, type World } from './world.js';

let world: World;
let owner: Tenant;
let browser: TestBrowser;
let ownerPage: Page;
let patPage: Page;
let buildId: string;

const PAT = 'pat@example.com';
/** An address users.email takes (no space, one @) that is markup: a payload that ran would set window.__xss. */
const XSS_EMAIL = 'x"<svg/onload=window.__xss=1>@t.test';
const SECRET = 'hunter2-do-not-show';

test.before(async () => {
  world = await startWorld({ args: ['--check-attempts', '20', '--check-interval', '250', '--drain', '200'] });
  owner = await createTenant(world, 'crew');
  browser = await startBrowser();
});
test.after.always(async () => {
  await browser?.close();
  await world?.close();
});

const url = (p: string) => `${world.platform.apiUrl}${p}`;
const text = async (p: Page, selector: string) => (await p.locator(selector).first().textContent()) ?? '';
const xss = (p: Page) => p.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);

/** A page logged in with `token` through the login form. */
async function logIn(token: string): Promise<Page> {
  const p = await browser.page();
  await p.goto(url('/dashboard/login'));
  await p.getByLabel('API token').fill(token);
  await p.getByRole('button', { name: 'Log in' }).click();
  return p;
}

test.serial('an owner adds a member with the role viewer on the team page', async (t) => {
  const dir = await makeRepo(world, owner, {
    Dockerfile: ['FROM busybox:latest', 'RUN mkdir /www && echo ok > /www/index.html', 'CMD ["httpd", "-f", "-p", "5000", "-h", "/www"]', ''].join('\n'),
  });
  await must(owner.tspaas(['apps:create', 'works'], dir));
  const push = await owner.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  await must(owner.tspaas(['config:set', `API_KEY=${SECRET}`], dir));
  buildId = (JSON.parse((await must(owner.tspaas(['builds', '--json'], dir))).stdout) as Array<{ id: string }>)[0]!.id;
  await world.platform.api('POST', '/v1/users', { email: PAT, teams: [] });
  await world.platform.api('POST', '/v1/users', { email: XSS_EMAIL, teams: ['crew'] });

  ownerPage = await logIn(owner.token);
  await ownerPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team crew' }).click();
  t.is(await text(ownerPage, 'main h2'), 'Team crew');
  await ownerPage.getByLabel('Email of the user to add').fill(PAT);
  await ownerPage.getByLabel('Their role').selectOption('viewer');
  await ownerPage.getByRole('button', { name: 'Add member' }).click();
  t.regex(await text(ownerPage, '.notice'), /Added pat@example\.com to crew as viewer\./);
  t.is(await ownerPage.getByLabel(`Role of ${PAT}`).inputValue(), 'viewer');
  t.true((await text(ownerPage, '#members + table')).includes(XSS_EMAIL), 'the markup email is shown as text');
  t.is(await ownerPage.locator('main svg, main img').count(), 0);
  t.is(await xss(ownerPage), undefined);
  t.regex(await text(ownerPage, '#quotas + table'), /Apps\s*1\s*unlimited/);
  t.regex(await text(ownerPage, '#activity + table'), /teams\.add-member/);
  await browser.check(ownerPage, 'team-owner');
});

test.serial('the viewer sees the app with masked config and no forms, and may not act, nor read logs or build output', async (t) => {
  const token = (await world.platform.api('POST', `/v1/users/${encodeURIComponent(PAT)}/tokens`, { name: 'browser' }) as { token: string }).token;
  patPage = await logIn(token);
  await patPage.goto(url('/dashboard/apps/works?reveal=all'));
  t.is(await text(patPage, 'main h2'), 'works (crew)');
  t.is(await patPage.locator('main form').count(), 0, 'no forms at all');
  t.regex(await text(patPage, '#config + p'), /Values are shown to members only/);
  t.regex(await text(patPage, '#config + p + table'), /API_KEY\s*hidden/);
  t.false((await text(patPage, 'main')).includes(SECRET));
  t.regex(await text(patPage, '#processes + table'), /web\s*1 × /);
  await browser.check(patPage, 'app-viewer');

  // A form posted anyway (with the session's own CSRF token, from the logout form): refused by role, nothing scaled.
  await patPage.evaluate(() => {
    const csrf = (document.querySelector('input[name="csrf"]') as HTMLInputElement).value;
    const form = Object.assign(document.createElement('form'), { method: 'post', action: '/dashboard/apps/works/scale' });
    for (const [name, value] of [['csrf', csrf], ['type', 'web'], ['quantity', '3']]) form.append(Object.assign(document.createElement('input'), { type: 'hidden', name, value }));
    document.body.append(form);
    form.submit();
  });
  await patPage.waitForURL(/\/dashboard\/apps\/works$/);
  t.regex(await text(patPage, '.notice.error'), /this needs the member role in team crew; you are a viewer/);
  const formation = await world.platform.api('GET', '/v1/apps/works/formation') as Array<{ type: string; quantity: number }>;
  t.is(formation.find((f) => f.type === 'web')?.quantity, 1);
  // Without the form's CSRF token it is the 403 page.
  const forged = await patPage.request.post(url('/dashboard/apps/works/scale'), { form: { type: 'web', quantity: '3' }, maxRedirects: 0 });
  t.is(forged.status(), 403);

  for (const path of ['/dashboard/apps/works/logs', `/dashboard/apps/works/builds/${buildId}`]) {
    const r = await patPage.goto(url(path));
    t.is(r?.status(), 403, path);
    t.is(await text(patPage, 'main h2'), '403');
    t.regex(await text(patPage, 'main p'), /this needs the member role in team crew; you are a viewer/);
  }
  await browser.check(patPage, 'logs-refused-viewer');
  await patPage.goto(url('/dashboard/teams/crew'));
  t.is(await patPage.locator('main form').count(), 0, 'the team page has no forms for a viewer');
  t.regex(await text(patPage, '#members + table'), /pat@example\.com \(you\)\s*viewer/);
  await browser.check(patPage, 'team-viewer');
  t.is((await patPage.goto(url('/dashboard/admin')))?.status(), 403);
  await browser.check(patPage, 'admin-refused');
});

test.serial('the owner makes the viewer a member: the same user can now scale', async (t) => {
  await ownerPage.goto(url('/dashboard/teams/crew'));
  await ownerPage.getByLabel(`Role of ${PAT}`).selectOption('member');
  await ownerPage.getByRole('button', { name: `Change role of ${PAT}` }).click();
  t.regex(await text(ownerPage, '.notice'), /pat@example\.com is now a member of crew\./);
  await patPage.goto(url('/dashboard/apps/works'));
  await patPage.getByLabel('Quantity of web').fill('2');
  await patPage.getByRole('button', { name: 'Scale web' }).click();
  t.regex(await text(patPage, '.notice'), /Scaled web to 2/);
  const formation = await world.platform.api('GET', '/v1/apps/works/formation') as Array<{ type: string; quantity: number }>;
  t.is(formation.find((f) => f.type === 'web')?.quantity, 2);
  t.is((await patPage.goto(url('/dashboard/apps/works/logs')))?.status(), 200, 'and read the logs');
  await browser.check(patPage, 'logs-member');
});

test.serial('the tokens page: a new token is shown once; revoking the session\'s own token logs out', async (t) => {
  await patPage.goto(url('/dashboard/tokens'));
  t.regex(await text(patPage, 'tbody'), /browser \(this session\)/);
  await browser.check(patPage, 'tokens');
  await patPage.getByLabel('Token name').fill('ci');
  await patPage.getByLabel('Expires after').fill('30d');
  await patPage.getByRole('button', { name: 'Create token' }).click();
  const secret = await patPage.getByLabel('The token').inputValue();
  t.regex(secret, /^tsp_/);
  t.regex(await text(patPage, '.notice'), /Copy it now/);
  t.false(patPage.url().includes(secret));
  t.false((await patPage.context().cookies()).some((c) => c.value.includes(secret)));
  await browser.check(patPage, 'token-created');
  await patPage.getByRole('link', { name: 'Back to the tokens' }).click();
  t.false((await patPage.content()).includes(secret), 'never again');
  await patPage.getByRole('button', { name: 'Revoke browser' }).click();
  t.regex(await text(patPage, '.notice'), /Your session ended: token revoked/);
  t.is(await text(patPage, 'main h2'), 'Log in');
});

test.serial('the admin page: teams, users and use against the host, the markup email as text', async (t) => {
  const admin = await logIn(world.platform.adminToken);
  await admin.getByRole('link', { name: 'Admin', exact: true }).click();
  t.is(await text(admin, 'main h2'), 'Admin');
  t.regex(await text(admin, '#capacity + table'), /crew\s*3\s*1\s*[\d.]+ [GM]iB/);
  t.regex(await text(admin, '#capacity + table tfoot'), /The host\s*[\d.]+ [GM]iB\s*\d+/);
  t.true((await text(admin, '#users + table')).includes(XSS_EMAIL));
  t.is(await admin.locator('main svg, main img').count(), 0);
  t.is(await xss(admin), undefined);
  await browser.check(admin, 'admin');
});
