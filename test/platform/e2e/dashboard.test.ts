/**
 * Issue 17 point 5, in a real browser (chromium through playwright-core,
 * test/helpers/browser.ts) against a real tspaasd, router, engine and git:
 * log in with `tspaas dashboard`'s one-time link and with a token, create
 * an app, push to it and watch its release appear, scale and restart from
 * the forms, set a config var, roll back from a release's button, watch the
 * logs arrive live (SSE, also across a restart of tspaasd), use the forms
 * with JavaScript off, and destroy with the name typed again. Every page
 * visited is screenshotted and checked by axe-core (no serious or critical
 * violation) and must break none of its Content-Security-Policy. Markup
 * in a config value, a log line and a build's output is shown as text: a
 * payload that ran would set `window.__xss`.
 */
import test from 'ava';
import type { Page } from 'playwright-core';
import { startBrowser, type TestBrowser } from '../../helpers/browser.js';
import { createTenant, eventually, makeRepo, must, startWorld, viaRouter, type Tenant, type World } from './world.js';

let world: World;
let alice: Tenant;
let browser: TestBrowser;
let page: Page; // alice's, logged in, JavaScript on
let shopDir: string;

test.before(async () => {
  world = await startWorld({ args: ['--check-attempts', '20', '--check-interval', '250', '--drain', '200'] });
  alice = await createTenant(world, 'dash');
  browser = await startBrowser();
});
test.after.always(async () => {
  await browser?.close();
  await world?.close();
});

/** A Node app without dependencies that logs every request's path and answers with GREETING. */
const loggingApp = {
  'package.json': JSON.stringify({ name: 'dash-shop', version: '1.0.0', private: true, engines: { node: '20.x' }, scripts: { start: 'node index.js' } }),
  'package-lock.json': JSON.stringify({ name: 'dash-shop', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'dash-shop', version: '1.0.0' } } }),
  'index.js': [
    "require('http').createServer((req, res) => {",
    "  console.log('request ' + req.url);",
    "  res.end((process.env.GREETING || 'hello') + ' from ' + process.env.DYNO);",
    "}).listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));",
    '',
  ].join('\n'),
};

const notice = (p: Page) => p.locator('.notice').textContent();
const text = async (p: Page, selector: string) => (await p.locator(selector).textContent()) ?? '';

/** Reload `p` until `selector`'s text passes `ok`. */
async function reloadUntil(p: Page, selector: string, ok: (text: string) => boolean, what: string, timeoutMs = 90_000): Promise<string> {
  return eventually(async () => {
    await p.reload();
    const t = await text(p, selector);
    return ok(t) ? t : null;
  }, what, timeoutMs);
}

test.serial('`tspaas dashboard` prints a one-time link off a terminal; it logs the browser in once', async (t) => {
  const out = await must(alice.tspaas(['dashboard']));
  const url = out.stdout.trim();
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\/login\/link\/[A-Za-z0-9_-]+$/);
  page = await browser.page();
  await page.goto(url);
  t.is(new URL(page.url()).pathname, '/dashboard');
  t.is(await text(page, 'main h2'), 'Apps');
  t.true((await text(page, 'header.site')).includes(alice.email));
  await browser.check(page, 'apps-empty');
  const again = await browser.page();
  const used = await again.goto(url);
  t.is(used?.status(), 401);
  t.regex(await text(again, '.notice'), /expired or was used already/);
  await browser.check(again, 'login-link-used');
});

test.serial('log in with a token in the form; a wrong one is refused', async (t) => {
  const p = await browser.page();
  await p.goto(`${world.platform.apiUrl}/dashboard`);
  t.is(new URL(p.url()).pathname, '/dashboard/login');
  await browser.check(p, 'login');
  await p.getByLabel('API token').fill('tsp_not-a-token');
  await p.getByRole('button', { name: 'Log in' }).click();
  t.regex(await text(p, '.notice'), /not valid/);
  await p.getByLabel('API token').fill(alice.token);
  await p.getByRole('button', { name: 'Log in' }).click();
  t.is(await text(p, 'main h2'), 'Apps');
});

test.serial('create an app from the form, push to it and watch the release appear', async (t) => {
  await page.goto(`${world.platform.apiUrl}/dashboard`);
  await page.getByLabel('Name').fill('shop');
  await page.getByRole('button', { name: 'Create' }).click();
  t.is(new URL(page.url()).pathname, '/dashboard/apps/shop');
  t.regex((await notice(page)) ?? '', /Created shop/);
  t.regex(await text(page, '#releases + table'), /No releases yet/);
  await browser.check(page, 'app-new');

  shopDir = await makeRepo(world, alice, loggingApp);
  await must(alice.tspaas(['git:remote', '-a', 'shop'], shopDir));
  const push = alice.git(['push', 'tspaas', 'main'], shopDir);
  const releases = await reloadUntil(page, '#releases + table', (s) => /v1/.test(s) && /succeeded/.test(s), 'v1 on the app page', 170_000);
  t.regex(releases, /Deploy [0-9a-f]{7}/);
  const pushed = await push;
  t.is(pushed.code, 0, pushed.stderr);
  t.regex(await text(page, '#app-status'), /running 1\/1/);
  t.regex(await text(page, '#process-list'), /web\.1\s*up/);
  await browser.check(page, 'app-deployed');

  await page.getByRole('link', { name: /^output of / }).first().click();
  t.regex(await text(page, 'main h2'), /^Build [0-9a-f]{8} of shop$/);
  t.regex(await text(page, '#build-output'), /\S/);
  t.regex(await text(page, '#build-status'), /succeeded/);
  await browser.check(page, 'build');

  await page.goto(`${world.platform.apiUrl}/dashboard`);
  const row = (await page.locator('tbody tr').first().textContent()) ?? '';
  t.regex(row, /shop\s*dash\s*running 1\/1\s*v1/);
  t.is(await page.getByRole('link', { name: /^http:\/\/shop\.localhost:\d+$/ }).getAttribute('href'), `http://shop.localhost:${world.platform.routerPort}`);
  t.regex(await page.locator('tbody time').getAttribute('title') ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await browser.check(page, 'apps');
});

test.serial('scale from the form and see the processes change', async (t) => {
  await page.goto(`${world.platform.apiUrl}/dashboard/apps/shop`);
  await page.getByLabel('Quantity of web').fill('2');
  await page.getByRole('button', { name: 'Scale web' }).click();
  t.regex((await notice(page)) ?? '', /Scaled web to 2/);
  await reloadUntil(page, '#process-list', (s) => /web\.1\s*up/.test(s) && /web\.2\s*up/.test(s), 'web.1 and web.2 up');
  const ps = JSON.parse((await must(alice.tspaas(['ps', '--json'], shopDir))).stdout) as Array<{ name: string }>;
  t.deepEqual(ps.map((p) => p.name).sort(), ['web.1', 'web.2']);
  t.is(await page.getByLabel('Quantity of web').inputValue(), '2');
  await browser.check(page, 'app-scaled');
});

test.serial('set a config var: masked until revealed, and the app gets it', async (t) => {
  await page.getByLabel('Name', { exact: true }).fill('GREETING');
  await page.getByLabel('Value', { exact: true }).fill('bonjour');
  await page.getByRole('button', { name: 'Set config var' }).click();
  t.regex((await notice(page)) ?? '', /Set GREETING: v2/);
  // The table shows the config of the release that runs: v2 once it deployed.
  const table = await reloadUntil(page, '#config + p + table', (s) => s.includes('GREETING'), 'GREETING in the table');
  t.false(table.includes('bonjour'), 'masked by default');
  await page.getByRole('link', { name: 'Reveal GREETING' }).click();
  t.regex(await text(page, '.config-value'), /^bonjour$/);
  await browser.check(page, 'app-config-revealed');
  await eventually(async () => (await viaRouter(world, 'shop')).body.startsWith('bonjour from web.'), 'the app says bonjour');
  t.pass();
});

test.serial('roll back from a release\'s button', async (t) => {
  await page.goto(`${world.platform.apiUrl}/dashboard/apps/shop`);
  await page.getByRole('button', { name: 'Roll back to v1' }).click();
  t.regex((await notice(page)) ?? '', /Rolling back to v1: v3/);
  await reloadUntil(page, '#releases + table', (s) => /Rollback to v1/.test(s) && /v3 \(current\)/.test(s), 'v3 current');
  await eventually(async () => (await viaRouter(world, 'shop')).body.startsWith('hello from web.'), 'the app says hello again');
  t.regex(await text(page, '#activity + table'), /releases\.rollback/);
  await browser.check(page, 'app-rolled-back');
});

test.serial('logs arrive live, and again after tspaasd restarted', async (t) => {
  await page.goto(`${world.platform.apiUrl}/dashboard/apps/shop`);
  const box = page.locator('#log-lines');
  await page.locator('#log-state', { hasText: 'Live' }).waitFor();
  await viaRouter(world, 'shop', '/live-one');
  await box.getByText('request /live-one').waitFor({ timeout: 15_000 });
  // tspaasd dies and comes back (the app keeps running): the page connects again, after the last line it saw.
  await world.platform.kill9();
  await page.locator('#log-state', { hasText: /Reconnecting|Disconnected/ }).waitFor({ timeout: 15_000 });
  await world.platform.restart();
  await page.locator('#log-state', { hasText: 'Live' }).waitFor({ timeout: 60_000 });
  await viaRouter(world, 'shop', '/live-two');
  await box.getByText('request /live-two').waitFor({ timeout: 15_000 });
  t.is(await box.getByText('request /live-one').count(), 1, 'lines seen before the drop are not sent again');
  await browser.check(page, 'app-live-logs');
});

test.serial('without JavaScript: the page says live logs need it, the forms still work, recent lines are a page', async (t) => {
  const p = await browser.page({ javaScript: false });
  await p.goto(`${world.platform.apiUrl}/dashboard/login`);
  await p.getByLabel('API token').fill(alice.token);
  await p.getByRole('button', { name: 'Log in' }).click();
  await p.goto(`${world.platform.apiUrl}/dashboard/apps/shop`);
  t.regex(await text(p, 'noscript'), /Live logs need JavaScript/);
  t.false(await p.locator('#log-lines').isVisible());
  await p.getByLabel('Quantity of web').fill('1');
  await p.getByRole('button', { name: 'Scale web' }).click();
  t.regex((await notice(p)) ?? '', /Scaled web to 1/);
  await reloadUntil(p, '#process-list', (s) => !/web\.2/.test(s), 'web.2 gone');
  await p.getByRole('button', { name: 'Restart web' }).click();
  t.regex((await notice(p)) ?? '', /Restarting web/);
  await browser.check(p, 'app-no-javascript');
  await p.getByRole('link', { name: 'Recent lines as a page' }).click();
  t.regex(await text(p, '#recent-logs'), /request \/live-two/);
  await browser.check(p, 'logs-page');
});

// A busybox image whose build prints markup, whose process logs markup, and whose config value is markup.
const PAYLOADS = {
  build: '<script>window.__xss="build"</script><img src=x onerror=window.__xss="build-img">',
  log: '<img src=x onerror=window.__xss="log"><script>window.__xss="log-script"</script>',
  config: '<script>window.__xss="config"</script><img src=x onerror="window.__xss=\'config-img\'">',
};

test.serial('markup in a config value, a log line and a build\'s output is shown as text and never runs', async (t) => {
  const dir = await makeRepo(world, alice, {
    Dockerfile: [
      'FROM busybox:latest',
      `RUN echo '${PAYLOADS.build}'`,
      'RUN mkdir /www && echo ok > /www/index.html',
      `CMD ${JSON.stringify(['sh', '-c', `echo '${PAYLOADS.log}'; exec httpd -f -p 5000 -h /www`])}`,
      '',
    ].join('\n'),
  });
  await must(alice.tspaas(['apps:create', 'marked'], dir));
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  await must(alice.tspaas(['config:set', `MARKUP=${PAYLOADS.config}`], dir));
  const [build] = JSON.parse((await must(alice.tspaas(['builds', '--json'], dir))).stdout) as Array<{ id: string }>;
  // Without the CSP (bypassCSP) only the escaping stands between a payload and the page; with it, both do.
  for (const bypassCSP of [true, false]) {
    const p = await browser.page({ bypassCSP });
    await p.goto(`${world.platform.apiUrl}/dashboard/login`);
    await p.getByLabel('API token').fill(alice.token);
    await p.getByRole('button', { name: 'Log in' }).click();
    const visits: Array<[string, string, string]> = [
      [`/dashboard/apps/marked?reveal=all`, '.config-value', PAYLOADS.config],
      [`/dashboard/apps/marked/builds/${build!.id}`, '#build-output', PAYLOADS.build],
      ['/dashboard/apps/marked/logs', '#recent-logs', PAYLOADS.log],
    ];
    for (const [path, selector, payload] of visits) {
      await p.goto(`${world.platform.apiUrl}${path}`);
      t.true((await text(p, selector)).includes(payload), `${path} shows the payload as text`);
      t.is(await p.locator(`${selector} img, ${selector} script`).count(), 0, `${path}: no element made of it`);
      t.is(await p.evaluate(() => (window as unknown as { __xss?: string }).__xss), undefined, `${path}: nothing ran`);
    }
    await p.goto(`${world.platform.apiUrl}/dashboard/apps/marked`);
    await p.locator('#log-lines').getByText(PAYLOADS.log).first().waitFor({ timeout: 15_000 });
    t.is(await p.locator('#log-lines img, #log-lines script').count(), 0);
    t.is(await p.evaluate(() => (window as unknown as { __xss?: string }).__xss), undefined, 'the live log line ran nothing');
    if (!bypassCSP) await browser.check(p, 'app-markup');
  }
});

test.serial('destroy an app from the form, with its name typed again', async (t) => {
  await page.goto(`${world.platform.apiUrl}/dashboard/apps/marked`);
  await page.getByLabel('Type the app\'s name to confirm').fill('marke');
  await page.getByRole('button', { name: 'Destroy this app' }).click();
  t.regex((await notice(page)) ?? '', /type marked to confirm/);
  await page.getByLabel('Type the app\'s name to confirm').fill('marked');
  await page.getByRole('button', { name: 'Destroy this app' }).click();
  t.is(new URL(page.url()).pathname, '/dashboard');
  t.regex((await notice(page)) ?? '', /Destroyed marked/);
  t.false((await text(page, 'main')).includes('/dashboard/apps/marked'));
  t.is((await page.goto(`${world.platform.apiUrl}/dashboard/apps/marked`))?.status(), 404);
  await browser.check(page, 'app-destroyed-404');
});
