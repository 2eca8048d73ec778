/**
 * The platform commands against a stand-in API: the requests they make, what
 * they print (tables, --json, deploy progress), errors with hints and exit
 * codes, and `run` over a WebSocket.
 */
import test from 'ava';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ConfigChanged, FormationEntry, PlanInfo, PlatformEvent, ProcessInfo, Release, RunMessage, User } from '../../platform/api/types.js';
import { ndjson, StandIn, tempDirs, tspaas, type Reply } from './platform-stand-in.js';

const user: User = { id: 'u1', email: 'alice@example.com', isAdmin: false, teams: ['acme'], createdAt: '2026-11-23T00:00:00Z' };
const release = (version: number, extra: Partial<Release> = {}): Release => ({
  id: `r${version}`, appId: 'a1', version, buildId: null, image: 'tspaas/shop:build-1', config: {}, processTypes: { web: 'node index.js' },
  appJson: null, description: 'Deploy 1a2b3c4', userId: 'u1', userEmail: user.email, status: 'pending', error: null,
  createdAt: '2026-11-23T10:00:00Z', finishedAt: null, ...extra,
});
const proc = (name: string, containerId: string, state: ProcessInfo['state'] = 'up'): ProcessInfo => ({
  name, type: name.split('.')[0]!, index: Number(name.split('.')[1]), containerId, releaseVersion: 3, state,
  address: '10.1.0.2', port: 5000, restarts: 0, startedAt: '2026-11-23T10:00:00Z', command: 'node index.js', memoryBytes: 256 * 1024 * 1024, plan: 'basic',
});

/** A stand-in with whoami, logged in as alice, working in `-a shop`. */
async function loggedIn(t: { teardown(fn: () => Promise<void>): void }, routes: Record<string, Reply | Reply[]>, sockets = {}) {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  const api = await new StandIn({ 'GET /v1/whoami': { json: user }, ...routes }, sockets).listen();
  t.teardown(() => api.close());
  const login = await tspaas(['login', api.url, '--token', 'tok'], dirs);
  if (login.code !== 0) throw new Error(login.stderr);
  return { api, dirs, run: (args: string[], stdin?: string) => tspaas([...args, '-a', 'shop'], { ...dirs, stdin }) };
}

test('login checks the token (stdin when not given); a refused token keeps nothing and hints at login', async (t) => {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  const api = await new StandIn({
    'GET /v1/whoami': [{ status: 401, json: { error: { kind: 'Unauthorized', message: 'unknown token' } } }, { json: user }, { json: user }],
  }).listen();
  t.teardown(() => api.close());
  const refused = await tspaas(['login', api.url], { ...dirs, stdin: 'bad\n' });
  t.is(refused.code, 1);
  t.is(refused.stderr, `tspaas: unknown token\nhint: your token was not accepted: log in again with \`tspaas login ${api.url}\`\n`);
  t.is(api.requests[0]!.auth, 'Bearer bad');
  const notLoggedIn = await tspaas(['whoami'], dirs);
  t.is(notLoggedIn.code, 1);
  t.regex(notLoggedIn.stderr, /^tspaas: not logged in to a tspaas platform\nhint: log in with `tspaas login http:\/\/<host>:5080`/);

  t.is((await tspaas(['login', api.url], { ...dirs, stdin: 'good-token\n' })).code, 0);
  const who = await tspaas(['whoami', '--json'], dirs);
  t.is(who.code, 0, who.stderr);
  t.deepEqual(JSON.parse(who.stdout), user);
  t.is(api.requests.at(-1)!.auth, 'Bearer good-token');
  const out = await tspaas(['logout'], dirs);
  t.is(out.stdout, `Logged out of ${api.url}\n`);
  t.is((await tspaas(['whoami'], dirs)).code, 1);
});

test('an unreachable platform and API errors print the message and the hint; exit code 1', async (t) => {
  const { api, dirs, run } = await loggedIn(t, {
    'GET /v1/apps/shop/config': { status: 404, json: { error: { kind: 'NotFound', message: 'app shop not found', hint: 'list your apps with `tspaas apps`' } } },
    'GET /v1/apps/shop/releases': { status: 500, text: 'upstream crashed' },
  });
  const nf = await run(['config']);
  t.is(nf.code, 1);
  t.is(nf.stderr, 'tspaas: app shop not found\nhint: list your apps with `tspaas apps`\n');
  const raw = await run(['releases']);
  t.is(raw.code, 1);
  t.regex(raw.stderr, /^tspaas: the platform answered 500: upstream crashed\n$/);
  const noApp = await tspaas(['config'], dirs);
  t.regex(noApp.stderr, /^tspaas: no app given\nhint: name it with -a APP/);
  await api.close();
  const down = await run(['config']);
  t.is(down.code, 1);
  t.regex(down.stderr, /^tspaas: cannot reach the platform at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\nhint: is tspaasd running\?/);
});

test('config:set sends the patch, follows the deploy events and prints the outcome; --json gives the data', async (t) => {
  const events: PlatformEvent[] = [
    { kind: 'deploy', appId: 'a1', releaseId: 'r4', line: 'Starting web.1' },
    { kind: 'deploy', appId: 'a1', releaseId: 'r4', line: 'web.1 is healthy' },
    { kind: 'deploy-done', appId: 'a1', releaseId: 'r4', status: 'succeeded' },
  ];
  const changed: ConfigChanged = { config: { GREETING: 'bonjour', OTHER: 'x' }, release: release(4, { description: 'Set GREETING config vars' }) };
  const { api, run } = await loggedIn(t, {
    'PATCH /v1/apps/shop/config': [{ json: changed }, { json: changed }],
    'GET /v1/apps/shop/releases/4/events': [ndjson(events), ndjson(events)],
    'GET /v1/apps/shop/releases/4': [{ json: release(4, { status: 'succeeded' }) }, { json: release(4, { status: 'succeeded' }) }],
    'GET /v1/apps/shop/config': { json: changed.config },
  });
  const r = await run(['config:set', 'GREETING=bonjour', 'EMPTY=']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(api.requests.find((q) => q.method === 'PATCH')!.body, { GREETING: 'bonjour', EMPTY: '' });
  t.is(r.stdout, 'Set GREETING, EMPTY: release v4\nGREETING: bonjour\n');
  t.regex(r.stderr, /^ {7}Starting web\.1\n {7}web\.1 is healthy\nv4: deploy succeeded \(\d+\.\ds\)\n$/);
  const json = await run(['config:set', 'GREETING=bonjour', '--json']);
  t.is(json.stderr, '');
  t.is((JSON.parse(json.stdout) as ConfigChanged).release.status, 'succeeded');
  t.is((await run(['config:get', 'GREETING'])).stdout, 'bonjour\n');
  const missing = await run(['config:get', 'NOPE']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /config var NOPE is not set\nhint:/);
  t.is((await run(['config'])).stdout, 'GREETING: bonjour\nOTHER:    x\n');
});

test('a failed deploy exits 1 with its reason; --no-wait returns at once; unset sends nulls', async (t) => {
  const failed = release(5, { status: 'failed', error: 'web.1 failed its health check: no answer on port 5000\nnot listening' });
  const { api, run } = await loggedIn(t, {
    'POST /v1/apps/shop/rollback': { json: release(5, { description: 'Rollback to v3' }) },
    'GET /v1/apps/shop/releases/5/events': ndjson([{ kind: 'deploy-done', appId: 'a1', releaseId: 'r5', status: 'failed', error: 'health' }]),
    'GET /v1/apps/shop/releases/5': { json: failed },
    'GET /v1/apps/shop': { json: { name: 'shop', currentVersion: 3 } },
    'PATCH /v1/apps/shop/config': { json: { config: {}, release: release(6) } },
  });
  const r = await run(['rollback', 'v3']);
  t.is(r.code, 1);
  t.deepEqual(api.requests.find((q) => q.path.endsWith('/rollback'))!.body, { version: 3 });
  t.regex(r.stderr, /tspaas: the deploy of v5 failed: web\.1 failed its health check: no answer on port 5000\nnot listening\nhint: v3 keeps running; see/);
  const unset = await run(['config:unset', 'A', 'B', '--no-wait']);
  t.is(unset.code, 0, unset.stderr);
  t.deepEqual(api.requests.at(-1)!.body, { A: null, B: null });
  t.false(api.calls.includes('GET /v1/apps/shop/releases/6/events'));
});

test('scale sends the updates and waits until the processes are up; no arguments shows the formation', async (t) => {
  const formation: FormationEntry[] = [{ type: 'web', quantity: 2, plan: 'basic', memoryBytes: 2 ** 29 }, { type: 'worker', quantity: 0, plan: 'basic', memoryBytes: 2 ** 29 }];
  const { api, run } = await loggedIn(t, {
    'PATCH /v1/apps/shop/formation': { json: formation },
    'GET /v1/apps/shop/formation': { json: formation },
    'GET /v1/apps/shop/processes': [
      { json: [proc('web.1', 'c1')] },
      { json: [proc('web.1', 'c1'), proc('web.2', 'c2', 'starting')] },
      { json: [proc('web.1', 'c1'), proc('web.2', 'c2')] },
    ],
  });
  const r = await run(['scale', 'web=2:512M', 'worker=0']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(api.requests[1]!.body, { updates: [{ type: 'web', quantity: 2, size: '512M' }, { type: 'worker', quantity: 0 }] });
  t.is(api.calls.filter((c) => c === 'GET /v1/apps/shop/processes').length, 3);
  t.regex(r.stderr, /web\.2: starting \(v3\)\n.*web\.2: up \(v3\)\ndone/s);
  t.regex(r.stdout, /^Scaling to web=2:basic\/512M worker=0:basic\/512M\nTYPE {6}QUANTITY {3}PLAN {6}MEMORY\nweb {7}2 {10}basic {5}512M\n/);
  const show = await run(['scale', '--json']);
  t.deepEqual(JSON.parse(show.stdout), formation);
  const bad = await run(['scale', 'web=many']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /"web=many" is not TYPE=QUANTITY\[:SIZE\]\nhint: write e\.g\. web=4/);
});

test('ps:restart web waits for new containers of the type; ps prints the table', async (t) => {
  const { api, run } = await loggedIn(t, {
    'GET /v1/apps/shop/processes': [
      { json: [proc('web.1', 'old1'), proc('worker.1', 'w1')] },
      { json: [proc('web.1', 'old1', 'stopping'), proc('web.1', 'new1', 'starting'), proc('worker.1', 'w1')] },
      { json: [proc('web.1', 'new1'), proc('worker.1', 'w1')] },
      { json: [proc('web.1', 'new1'), proc('worker.1', 'w1')] },
    ],
    'POST /v1/apps/shop/processes/restart': { status: 202, json: { queued: true } },
  });
  const r = await run(['ps:restart', 'web', '--json']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(api.requests.find((q) => q.method === 'POST')!.body, { target: 'web' });
  t.deepEqual((JSON.parse(r.stdout) as ProcessInfo[]).map((p) => p.containerId), ['new1']);
  const ps = await run(['ps']);
  t.regex(ps.stdout, /^NAME +STATE +UPTIME +RELEASE +SIZE +ADDRESS +RESTARTS +COMMAND\nweb\.1 +up +.+ +v3 +basic\/256M +10\.1\.0\.2:5000 +0 +node index\.js\nworker\.1 /);
});

test('plans lists the sizes on offer with what is the default, what builds get and what this host cannot run; --json gives the data', async (t) => {
  const G = 2 ** 30;
  const plans: PlanInfo[] = [
    { name: 'basic', memoryBytes: G / 2, cpuShares: 512, cpus: 1, pidsLimit: 256, default: true, build: false, fits: true },
    { name: 'standard-2x', memoryBytes: 2 * G, cpuShares: 2048, cpus: 1, pidsLimit: 1024, default: false, build: true, fits: true },
    { name: 'performance-l', memoryBytes: 8 * G, cpuShares: 8192, cpus: 4, pidsLimit: 8192, default: false, build: false, fits: false },
  ];
  const { api, dirs } = await loggedIn(t, { 'GET /v1/plans': { json: plans } });
  const run = (args: string[]) => tspaas(args, dirs);
  const r = await run(['plans']);
  t.is(r.code, 0, r.stderr);
  t.true(api.calls.includes('GET /v1/plans'));
  t.regex(r.stdout, /^PLAN +MEMORY +CPUS +WEIGHT +PIDS +NOTES\nbasic +512M +1 +512 +256 +default\nstandard-2x +2G +1 +2048 +1024 +builds\nperformance-l +8G +4 +8192 +8192 +larger than this host allows\n$/);
  t.deepEqual(JSON.parse((await run(['plans', '--json'])).stdout), plans);
});

test('logs: flags become the query; lines are time, source and text; --json prints the entries', async (t) => {
  const entries = [
    { time: '2026-11-23T10:00:00.123Z', source: 'web.1', stream: 'stdout', line: 'listening on 5000' },
    { time: '2026-11-23T10:00:01.000Z', source: 'worker.1', stream: 'stderr', line: 'tick' },
  ];
  const { api, run } = await loggedIn(t, { 'GET /v1/apps/shop/logs': [ndjson(entries), ndjson(entries)] });
  const r = await run(['logs', '-n', '20', '--ps', 'web', '-f']);
  t.is(r.code, 0, r.stderr);
  t.is(api.requests.at(-1)!.query.toString(), 'follow=1&tail=20&ps=web');
  t.is(r.stdout, '2026-11-23T10:00:00.123Z web.1: listening on 5000\n2026-11-23T10:00:01.000Z worker.1: tick\n');
  const json = await run(['logs', '--json']);
  t.deepEqual(json.stdout.trim().split('\n').map((l) => JSON.parse(l)), entries);
});

test('run: start message, stdin then eof, output by stream, the remote exit code', async (t) => {
  const got: { start?: RunMessage; stdin: string[]; eof: boolean } = { stdin: [], eof: false };
  const { run } = await loggedIn(t, {}, {
    'GET /v1/apps/shop/run': (ws: import('ws').WebSocket) => {
      ws.on('message', (data: Buffer, binary: boolean) => {
        if (binary) return void got.stdin.push(data.toString());
        const msg = JSON.parse(data.toString()) as RunMessage;
        if (msg.type === 'start') {
          got.start = msg;
          ws.send(JSON.stringify({ type: 'started', name: 'run.4821', containerId: 'c9' } satisfies RunMessage));
        }
        if (msg.type === 'eof') {
          got.eof = true;
          ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(`out:${got.stdin.join('')}`)]), { binary: true });
          ws.send(Buffer.concat([Buffer.from([2]), Buffer.from('err\n')]), { binary: true });
          ws.send(JSON.stringify({ type: 'exit', code: 7 } satisfies RunMessage));
          ws.close();
        }
      });
    },
  });
  const r = await run(['run', 'cat', '-n', '-e', 'A=1', '--size', '1G'], 'hello\n');
  t.is(r.code, 7, r.stderr);
  t.deepEqual(got.start, { type: 'start', command: ['cat', '-n'], tty: false, env: { A: '1' }, size: '1G' });
  t.true(got.eof);
  t.is(r.stdout, 'out:hello\n');
  t.is(r.stderr, 'Running `cat -n` on shop: run.4821\nerr\n');
});

test('run refused by the API: its error; run --detach posts the command', async (t) => {
  const { api, dirs, run } = await loggedIn(t, {
    'POST /v1/apps/shop/run': (req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'run.1', containerId: 'c1', seen: req.body })),
  });
  const refused = await run(['run', 'true']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^tspaas: app shop not found\n/);
  const detached = await tspaas(['run', '-a', 'shop', '-d', '--', 'sh', '-c', 'echo hi', '-a', 'x'], dirs);
  t.is(detached.code, 0, detached.stderr);
  t.deepEqual(api.requests.at(-1)!.body, { command: ['sh', '-c', 'echo hi', '-a', 'x'] });
  t.is(detached.stdout, 'Running `sh -c echo hi -a x` on shop detached as run.1\n');
});

test('apps:destroy needs the name again: refused without it off a terminal; removes the remote naming the app', async (t) => {
  const { api, dirs } = await loggedIn(t, { 'DELETE /v1/apps/shop': { status: 204 } });
  const dir = path.join(dirs.cwd, 'repo');
  await mkdir(dir);
  execFileSync('git', ['init', '-q', dir]);
  execFileSync('git', ['-C', dir, 'remote', 'add', 'tspaas', `${api.url}/git/shop.git`]);
  const refused = await tspaas(['apps:destroy'], { ...dirs, cwd: dir });
  t.is(refused.code, 1);
  t.regex(refused.stderr, /does not match the app "shop"\nhint: pass --confirm shop/);
  t.false(api.calls.includes('DELETE /v1/apps/shop'));
  const wrong = await tspaas(['apps:destroy', '--confirm', 'shops'], { ...dirs, cwd: dir });
  t.is(wrong.code, 1);
  const ok = await tspaas(['apps:destroy', '--confirm', 'shop'], { ...dirs, cwd: dir });
  t.is(ok.code, 0, ok.stderr);
  t.is(api.requests.at(-1)!.query.get('confirm'), 'shop');
  t.is(ok.stdout, 'Destroyed shop and removed the git remote tspaas\n');
  t.is(execFileSync('git', ['-C', dir, 'remote'], { encoding: 'utf8' }), '');
});

test('dashboard asks for a one-time link and prints it off a terminal; --json gives the data', async (t) => {
  const link = { url: 'http://127.0.0.1:5080/dashboard/login/link/abc', expiresAt: '2026-11-23T10:01:00.000Z' };
  const { api, dirs } = await loggedIn(t, { 'POST /v1/dashboard/login-links': { status: 201, json: link } });
  const r = await tspaas(['dashboard'], dirs);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${link.url}\n`);
  t.true(api.calls.includes('POST /v1/dashboard/login-links'));
  t.deepEqual(JSON.parse((await tspaas(['dashboard', '--json'], dirs)).stdout), link);
});
