/**
 * Zero downtime through the real edge router: requests keep flowing to
 * `<app>.localhost` while a config change deploys and while web restarts;
 * none fails, and the answers switch from the old release to the new.
 */
import test from 'ava';
import http from 'node:http';
import { startRouter, type TestRouter } from '../../helpers/router.js';
import { startBed, deployed, WEB, type Bed } from './harness.js';
import type { App } from '../../../platform/types.js';
import { listBackends } from '../../../platform/routing/backends.js';

let bed: Bed;
let router: TestRouter;
let app: App;
test.before(async () => {
  bed = await startBed('zdt');
  router = await startRouter(bed.db.url, { workers: 1, waitForRoutes: false });
  app = await bed.newApp('steady');
  await bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'old' }, unset: [] }, null);
  const r = await deployed(bed, await bed.deps.deployer.createRelease(app, { kind: 'build', build: await bed.newBuild(app, { web: WEB }) }, null));
  if (r.status !== 'succeeded') throw new Error(`first deploy failed: ${r.error}`);
});
test.after.always(async () => { await router?.stop(); await bed?.close(); });

/** One request through the router; a failure of any kind is an answer with status 0 and the error's message. */
function ask(opts: { method?: string; host?: string; path?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  const { method = 'GET', host = 'steady.localhost', path = '/', body: sent } = opts;
  return new Promise((resolve) => {
    const headers = { host, ...(sent === undefined ? {} : { 'content-type': 'text/plain' }) };
    const req = http.request({ host: '127.0.0.1', port: router.httpPort, method, path, headers, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on('error', (err) => resolve({ status: 0, body: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.end(sent);
  });
}

const get = () => ask();

/** Send requests from 4 loops until `during` resolves; the answers in order. */
async function load(during: Promise<unknown>): Promise<Array<{ status: number; body: string }>> {
  let done = false;
  void during.finally(() => { done = true; });
  const out: Array<{ status: number; body: string }> = [];
  await Promise.all(Array.from({ length: 4 }, async () => { while (!done) out.push(await get()); }));
  await during;
  for (let i = 0; i < 20; i++) out.push(await get());
  return out;
}

test.serial('a config change deploys under load without a failed request', async (t) => {
  await waitFor(async () => (await get()).body === 'old');
  const change = bed.deps.deployer.createRelease(app, { kind: 'config', set: { GREETING: 'new' }, unset: [] }, null).then((r) => deployed(bed, r));
  const answers = await load(change);
  t.is((await change).status, 'succeeded');
  const failed = answers.filter((a) => a.status !== 200);
  t.deepEqual(failed, [], `${failed.length} of ${answers.length} failed`);
  t.is(answers[0].body, 'old');
  t.is(answers.at(-1)!.body, 'new');
  t.true(answers.length > 20);
});

test.serial('ps:restart under load without a failed request', async (t) => {
  const answers = await load(bed.deps.deployer.restart(app, 'web', null as never));
  t.deepEqual(answers.filter((a) => a.status !== 200), []);
  t.true(answers.every((a) => a.body === 'new'));
});

async function waitFor(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A web process whose answers come from a CGI script, so it takes POSTs (which the router never retries elsewhere). */
const CGI_WEB = 'mkdir -p /tmp/w/cgi-bin && printf \'#!/bin/sh\\ncat >/dev/null\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\nposted"\\n\' > /tmp/w/cgi-bin/post'
  + ' && chmod +x /tmp/w/cgi-bin/post && exec httpd -f -p $PORT -h /tmp/w';

/** POST a small body to the CGI script through the router (a request the router cannot retry elsewhere). */
const post = (host: string) => ask({ method: 'POST', host, path: '/cgi-bin/post', body: 'a body the router cannot replay' });

test.serial('scale web=3 → web=1 under POST load without a failed request: the two leave the routes before they stop', async (t) => {
  const scaly = await bed.newApp('scaly');
  const r = await deployed(bed, await bed.deps.deployer.createRelease(scaly, { kind: 'build', build: await bed.newBuild(scaly, { web: CGI_WEB }) }, null));
  t.is(r.status, 'succeeded', r.error ?? '');
  const web = async () => (await bed.deps.scheduler.listProcesses(scaly)).filter((p) => p.type === 'web');
  await bed.deps.deployer.scale(scaly, [{ type: 'web', quantity: 3 }], null as never);
  await waitFor(async () => (await web()).filter((p) => p.state === 'up').length === 3 && (await listBackends(bed.deps.db, 'scaly')).length === 3, 60_000);
  let last = { status: 0, body: '' };
  await waitFor(async () => (last = await post('scaly.localhost')).body === 'posted').catch((err: unknown) => { throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`); });
  let done = false;
  const down = bed.deps.deployer.scale(scaly, [{ type: 'web', quantity: 1 }], null as never)
    .then(() => waitFor(async () => (await web()).length === 1, 60_000))
    .finally(() => { done = true; });
  const answers: Array<{ status: number; body: string }> = [];
  await Promise.all(Array.from({ length: 4 }, async () => { while (!done) answers.push(await post('scaly.localhost')); }));
  await down;
  t.deepEqual(answers.filter((a) => a.status !== 200), []);
  t.true(answers.length > 10, `${answers.length} requests`);
  t.is((await listBackends(bed.deps.db, 'scaly')).length, 1);
});
