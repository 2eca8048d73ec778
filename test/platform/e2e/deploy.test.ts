/**
 * Issue 7 end to end, as a user does it: `tspaas apps:create`, `git push
 * tspaas main`, then the app through the router; scale, config, rollback,
 * failed pushes that leave the old release serving, logs and one-off runs —
 * real git, real tspaasd with its engine and job queues, real router,
 * PostgreSQL and Redis.
 */
import test from 'ava';
import http from 'node:http';
import path from 'node:path';
import { pollUntil, expectSize, tmuxSession } from '../../helpers/tmux.js';
import {
  CLI_ARGV, commitAll, createTenant, eventually, makeRepo, must, nodeApp, startWorld, viaRouter, writeFiles, type Tenant, type World,
} from './world.js';

let world: World;
let alice: Tenant;
let shop: string; // alice's repo of the app "shop"

test.before(async () => {
  world = await startWorld();
  alice = await createTenant(world, 'acme');
});
test.after.always(async () => { await world?.close(); });

test.serial('apps:create adds the git remote; a push of a Node app builds, deploys and is served at <app>.localhost', async (t) => {
  shop = await makeRepo(world, alice, nodeApp('one'));
  const created = await must(alice.tspaas(['apps:create', 'shop'], shop));
  t.regex(created.stdout, /shop/);
  const remote = await must(alice.git(['config', '--get', 'remote.tspaas.url'], shop));
  t.is(remote.stdout.trim(), `${world.platform.apiUrl}/git/shop.git`, 'the remote URL holds no secret');

  const push = await alice.git(['push', 'tspaas', 'main'], shop);
  t.is(push.code, 0, push.stderr);
  t.regex(push.stderr, /remote: .*-----> /, 'build output streams back as remote: lines');
  t.regex(push.stderr, /remote: .*shop\.localhost/, 'the push ends with the app URL');
  const res = await viaRouter(world, 'shop');
  t.is(res.status, 200);
  t.is(res.body, 'hello from web.1 (one)');
});

test.serial('a Dockerfile app is built with the Dockerfile and served', async (t) => {
  const dir = await makeRepo(world, alice, {
    Dockerfile: 'FROM busybox:latest\nRUN mkdir /www && echo dockerfile-app > /www/index.html\nCMD httpd -f -p $PORT -h /www\n',
  });
  await must(alice.tspaas(['apps:create', 'boxed'], dir));
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  t.regex(push.stderr, /Step 1\/\d+ : FROM busybox:latest/);
  t.is((await viaRouter(world, 'boxed')).body.trim(), 'dockerfile-app');
});

// Issue 14 part R: this platform has no registry mirror (registry.test.ts runs one that has).
test.serial('a Dockerfile app FROM node:20 without a registry mirror fails saying how to configure one', async (t) => {
  const dir = await makeRepo(world, alice, { Dockerfile: 'FROM node:20\nCMD ["node", "server.js"]\n' });
  await must(alice.tspaas(['apps:create', 'hubbed'], dir));
  const push = await alice.git(['push', 'tspaas', 'main'], dir);
  t.not(push.code, 0);
  t.true(push.stderr.includes('remote:  !     cannot reach registry docker.io for "node:20" (docker.io/library/node:20): this engine has no access to Docker Hub; '
    + 'configure a registry mirror that serves Docker Hub\'s images (tspaasd --registry-mirror URL, or TSPAAS_REGISTRY_MIRRORS) or name an image on a registry you run'), push.stderr);
});

test.serial('scale web=4 runs four processes with distinct IPs that share the traffic; scale web=1 stops three', async (t) => {
  await must(alice.tspaas(['scale', 'web=4'], shop));
  const ps = await eventually(async () => {
    const list = JSON.parse((await must(alice.tspaas(['ps', '--json'], shop))).stdout) as Array<{ name: string; state: string; address: string }>;
    const up = list.filter((p) => p.name.startsWith('web.') && p.state === 'up');
    return up.length === 4 ? up : null;
  }, 'four web processes up');
  t.is(new Set(ps.map((p) => p.address)).size, 4);
  const seen = await eventually(async () => {
    const names = new Set<string>();
    for (let i = 0; i < 24; i++) names.add((await viaRouter(world, 'shop')).body);
    return names.size === 4 ? names : null;
  }, 'requests spread over the four processes');
  t.deepEqual([...seen].sort(), [1, 2, 3, 4].map((n) => `hello from web.${n} (one)`));

  await must(alice.tspaas(['scale', 'web=1'], shop));
  await eventually(async () => {
    const list = JSON.parse((await must(alice.tspaas(['ps', '--json'], shop))).stdout) as Array<{ name: string }>;
    return list.filter((p) => p.name.startsWith('web.')).length === 1;
  }, 'three web processes stopped');
  for (let i = 0; i < 6; i++) t.is((await viaRouter(world, 'shop')).body, 'hello from web.1 (one)');
});

test.serial('config:set serves the new value; rollback serves the old one', async (t) => {
  const before = JSON.parse((await must(alice.tspaas(['releases', '--json'], shop))).stdout) as Array<{ version: number }>;
  const deployed = before[0].version;
  const set = await must(alice.tspaas(['config:set', 'GREETING=bonjour'], shop));
  t.is(set.stderr.match(/Deploying v\d+ \(Set GREETING/g)?.length, 1, `the deploy's progress is shown, once:\n${set.stderr}`);
  t.is((await viaRouter(world, 'shop')).body, 'bonjour from web.1 (one)');
  t.is((await must(alice.tspaas(['config:get', 'GREETING'], shop))).stdout.trim(), 'bonjour');

  await must(alice.tspaas(['rollback', `v${deployed}`], shop));
  t.is((await viaRouter(world, 'shop')).body, 'hello from web.1 (one)');
  const releases = JSON.parse((await must(alice.tspaas(['releases', '--json'], shop))).stdout) as Array<{ version: number; description: string }>;
  t.regex(releases[0].description, new RegExp(`Rollback to v${deployed}`));
});

test.serial('a push whose build fails exits non-zero with the reason; the old release keeps serving', async (t) => {
  await writeFiles(shop, { 'package.json': '{ this is not json' });
  await commitAll(alice, shop, 'broken package.json');
  const push = await alice.git(['push', 'tspaas', 'main'], shop);
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: .*package\.json is not a valid JSON object/);
  t.is((await viaRouter(world, 'shop')).body, 'hello from web.1 (one)');
});

test.serial('a push whose health check fails exits non-zero with the reason; the old release keeps serving', async (t) => {
  await writeFiles(shop, { ...nodeApp('never'), Procfile: 'web: echo not listening; sleep 600\n' });
  await commitAll(alice, shop, 'web never listens');
  const push = await alice.git(['push', 'tspaas', 'main'], shop);
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: .*health/i);
  t.regex(push.stderr, /not listening/, 'the last log lines of the failing process are shown');
  t.is((await viaRouter(world, 'shop')).body, 'hello from web.1 (one)');
  // The failed release's deploy log stays readable.
  const [failed] = JSON.parse((await must(alice.tspaas(['releases', '--json'], shop))).stdout) as Array<{ version: number; status: string }>;
  t.is(failed!.status, 'failed');
  const output = await must(alice.tspaas(['releases:output', `v${failed!.version}`], shop));
  t.regex(output.stdout, new RegExp(`^Deploying v${failed!.version} `, 'm'));
  t.regex(output.stdout, /^Deploy failed: .*health/im);
  // Back to a good tree for the next tests.
  await writeFiles(shop, { Procfile: 'web: node index.js\n' });
  await commitAll(alice, shop, 'listen again');
});

test.serial('logs show the processes with type.N prefixes; run executes a one-off in the current release', async (t) => {
  const logs = await must(alice.tspaas(['logs', '--tail', '20'], shop));
  t.regex(logs.stdout, /web\.1: listening on 5000/);
  const run = await alice.tspaas(['run', 'echo', 'one-off says $GREETING-$DYNO'], shop);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /one-off says -run\.\d+/);
  const failing = await alice.tspaas(['run', 'exit 7'], shop);
  t.is(failing.code, 7);
  // run --detach: its output goes to the app's logs, and stays there after the one-off is gone.
  const detached = JSON.parse((await must(alice.tspaas(['run', '--detach', '--json', '--', 'echo', 'detached says $DYNO'], shop))).stdout) as { name: string };
  await eventually(async () => (await oneOffContainers()).length === 0, 'the detached one-off to end and be removed', 30_000);
  const after = await must(alice.tspaas(['logs', '--ps', detached.name], shop));
  t.regex(after.stdout, new RegExp(`${detached.name.replace('.', '\\.')}: detached says ${detached.name.replace('.', '\\.')}`));
});

test.serial('run bash: an interactive pty in a one-off of the current release; its size follows the window; the exit code comes back', async (t) => {
  const pty = tmuxSession(t, 'platform-run', [...CLI_ARGV, 'run', 'bash'], { cwd: shop, env: alice.env });
  pty.keys('echo "READY $DYNO $(tty)"', 'Enter');
  await pollUntil(pty.screen, (s) => /^READY run\.\d+ \/dev\/pts\/\d+$/m.test(s), 'the one-off shell on a pty', 60_000);
  t.is((await oneOffContainers()).length, 1, 'the one-off runs in its own container');
  await expectSize(pty, 24, 80);
  pty.resize(100, 30);
  await expectSize(pty, 30, 100);
  pty.keys('exit 5', 'Enter');
  t.is(await pty.exitStatus(), 5);
  await eventually(async () => (await oneOffContainers()).length === 0, 'the one-off container to be removed', 30_000);
  t.pass();
});

/** The engine's one-off containers (any state), as `docker ps -a --filter label=io.tspaas.one-off=1` lists them. */
async function oneOffContainers(): Promise<unknown[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: ['io.tspaas.one-off=1'] }));
  return new Promise((resolve, reject) => {
    http.get({ socketPath: path.join(world.platform.runRoot, 'engine.sock'), path: `/containers/json?all=1&filters=${filters}` }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => resolve(JSON.parse(body) as unknown[]));
    }).on('error', reject);
  });
}

test.serial('another tenant cannot list, push to, scale, read the logs of or run the app', async (t) => {
  const bob = await createTenant(world, 'beta');
  const apps = JSON.parse((await must(bob.tspaas(['apps', '--json']))).stdout) as unknown[];
  t.deepEqual(apps, []);
  for (const args of [['apps:info'], ['scale', 'web=2'], ['logs'], ['run', 'true'], ['config'], ['releases']]) {
    const r = await bob.tspaas([...args, '-a', 'shop']);
    t.not(r.code, 0, args.join(' '));
    t.regex(r.stderr, /not found/i, args.join(' '));
  }
  const repo = await makeRepo(world, bob, nodeApp('intruder'));
  await must(bob.git(['remote', 'add', 'tspaas', `${world.platform.apiUrl}/git/shop.git`], repo));
  const push = await bob.git(['-c', `credential.helper=!f() { echo username=x; echo password=${bob.token}; }; f`, 'push', 'tspaas', 'main'], repo);
  t.not(push.code, 0);
  t.regex(push.stderr, /not found/i);
  t.is((await viaRouter(world, 'shop')).body, 'hello from web.1 (one)');
});

test.serial('bounded load during a redeploy: zero failed requests', async (t) => {
  await writeFiles(shop, nodeApp('two'));
  await commitAll(alice, shop, 'v two');
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (!stop) {
      const r = await viaRouter(world, 'shop').catch((err: Error) => ({ status: 0, body: err.message }));
      if (r.status === 200) ok++;
      else failures.push(`${r.status} ${r.body.slice(0, 80)}`);
    }
  };
  const load = Array.from({ length: 8 }, worker);
  const push = await alice.git(['push', 'tspaas', 'main'], shop);
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(load);
  t.is(push.code, 0, push.stderr);
  t.deepEqual(failures, []);
  t.true(ok > 50, `${ok} requests served`);
  t.is((await viaRouter(world, 'shop')).body, 'hello from web.1 (two)');
});
