/**
 * Issue 7: `kill -9` of tspaasd in the middle of a deploy. After a restart
 * the app serves, and the deploy is finished or cleanly failed — never left
 * "deploying" — and a new push deploys again.
 * Issue 12: the same for an app being erased (`apps:destroy`): killed
 * midway, or with a step that keeps failing, its erase job resumes after the
 * restart until nothing of the app is left.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { commitAll, createTenant, engineGet, eventually, makeRepo, must, nodeApp, startWorld, viaRouter, writeFiles, type World } from './world.js';

const execFileP = promisify(execFile);

let world: World;
test.before(async () => { world = await startWorld(); });
test.after.always(async () => { await world?.close(); });

interface ReleaseRow { version: number; status: string; error: string | null }

test.serial('kill -9 of tspaasd during a deploy: after restart the app serves and the deploy ended', async (t) => {
  const alice = await createTenant(world, 'crash');
  const repo = await makeRepo(world, alice, nodeApp('first'));
  await must(alice.tspaas(['apps:create', 'crashy'], repo));
  t.is((await alice.git(['push', 'tspaas', 'main'], repo)).code, 0);
  t.is((await viaRouter(world, 'crashy')).body, 'hello from web.1 (first)');

  await writeFiles(repo, nodeApp('second'));
  await commitAll(alice, repo, 'second');
  const push = alice.git(['push', 'tspaas', 'main'], repo);
  // Kill the daemon once the new release is being deployed.
  await eventually(async () => {
    const releases = await world.platform.api('GET', '/v1/apps/crashy/releases') as ReleaseRow[];
    return releases[0]?.version === 2 && releases[0].status === 'deploying';
  }, 'the second release deploying', 180_000);
  await world.platform.kill9();
  const pushed = await push;
  t.not(pushed.code, 0, 'the push fails when the daemon dies under it');
  t.is((await viaRouter(world, 'crashy')).body, 'hello from web.1 (first)', 'the router keeps serving while tspaasd is down');

  await world.platform.restart();
  const ended = await eventually(async () => {
    const releases = await world.platform.api('GET', '/v1/apps/crashy/releases') as ReleaseRow[];
    return ['succeeded', 'failed'].includes(releases[0].status) ? releases[0] : null;
  }, 'the interrupted deploy to end', 120_000);
  t.log(`interrupted deploy ended ${ended.status}${ended.error ? `: ${ended.error}` : ''}`);
  // The status is committed with the route switch; the router applies it within 100 ms.
  const expected = ended.status === 'succeeded' ? 'hello from web.1 (second)' : 'hello from web.1 (first)';
  await eventually(async () => (await viaRouter(world, 'crashy')).body === expected, `the router serving ${expected}`, 5000);
  t.pass();
  // The old release's process drains for a moment after the switch; then exactly the formation runs.
  await eventually(async () => {
    const ps = JSON.parse((await must(alice.tspaas(['ps', '--json'], repo))).stdout) as Array<{ name: string; state: string }>;
    return ps.map((p) => `${p.name} ${p.state}`).join() === 'web.1 up';
  }, 'exactly web.1 running: no leftovers of the interrupted deploy', 60_000);
  t.pass();

  await writeFiles(repo, nodeApp('third'));
  await commitAll(alice, repo, 'third');
  const again = await alice.git(['push', 'tspaas', 'main'], repo);
  t.is(again.code, 0, again.stderr);
  t.is((await viaRouter(world, 'crashy')).body, 'hello from web.1 (third)');
});

/** What the engine and the data dir still hold of the app: containers, images tagged for it, its repository. */
async function remainsOf(name: string, id: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`io.tspaas.app-id=${id}`] }));
  const containers = await engineGet<Array<{ Id: string }>>(world, `/containers/json?all=1&filters=${filters}`);
  const images = (await engineGet<Array<{ RepoTags: string[] | null }>>(world, '/images/json')).filter((i) => i.RepoTags?.some((r) => r.startsWith(`tspaas/${name}:`)));
  const repo = await fsp.access(path.join(world.platform.root, 'platform', 'git', `${name}.git`)).then(() => ['repository'], () => []);
  return [...containers.map((c) => `container ${c.Id}`), ...images.map((i) => `image ${i.RepoTags!.join(',')}`), ...repo];
}

const BOX = { Dockerfile: 'FROM busybox:latest\nRUN mkdir /www && echo boxed > /www/index.html\nCMD httpd -f -p $PORT -h /www\n' };

async function rowOf(name: string): Promise<string | null> {
  return (await world.platform.db.query<{ id: string }>('SELECT id FROM apps WHERE name = $1', [name])).rows[0]?.id ?? null;
}

test.serial('kill -9 of tspaasd while an app is being erased: after restart the erase resumes until nothing is left', async (t) => {
  const alice = await createTenant(world, 'erase');
  const bob = await createTenant(world, 'erase-other');
  const repo = await makeRepo(world, alice, BOX);
  await must(alice.tspaas(['apps:create', 'doomed'], repo));
  t.is((await alice.git(['push', 'tspaas', 'main'], repo)).code, 0);
  const id = (await rowOf('doomed'))!;
  // Hold the app's deploy lock: the erase job stops at its "processes" step, active, until we let go.
  const holder = new pg.Client({ connectionString: world.platform.db.url });
  await holder.connect();
  try {
    await holder.query("SELECT pg_advisory_lock(hashtext('deploy:' || $1))", [id]);
    await must(alice.tspaas(['apps:destroy', '--confirm', 'doomed'], repo));
    const waiting = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = (hashtext('deploy:' || $1)::bigint & 4294967295)::oid";
    await eventually(async () => (await world.platform.db.query(waiting, [id])).rowCount! > 0,
      'the erase job waiting for the app lock', 60_000);
    t.is((await alice.tspaas(['apps:info'], repo)).code, 1, 'the app is gone for its team at once');
    t.regex((await bob.tspaas(['apps:create', 'doomed'])).stderr, /name is taken/, 'its name stays taken while it is erased');
    t.is((await viaRouter(world, 'doomed')).status, 404, 'the router forgot it at once');
    t.true((await remainsOf('doomed', id)).some((r) => r.startsWith('container ')), 'its container is still there: the erase is midway');
    await world.platform.kill9();
    await world.platform.restart();
  } finally {
    await holder.query("SELECT pg_advisory_unlock(hashtext('deploy:' || $1))", [id]).catch(() => undefined);
    await holder.end();
  }
  await eventually(async () => (await rowOf('doomed')) === null, 'the resumed erase to end', 120_000);
  t.deepEqual(await remainsOf('doomed', id), []);
  await must(bob.tspaas(['apps:create', 'doomed']));
});

test.serial('an erase step that fails is retried, across a restart, until nothing is left', async (t) => {
  const alice = await createTenant(world, 'erase-fail');
  const repo = await makeRepo(world, alice, BOX);
  await must(alice.tspaas(['apps:create', 'stubborn'], repo));
  t.is((await alice.git(['push', 'tspaas', 'main'], repo)).code, 0);
  const id = (await rowOf('stubborn'))!;
  // A mount inside the bare repository: removing it fails (EBUSY), so the "repository" step fails until it goes.
  const hooks = path.join(world.platform.root, 'platform', 'git', 'stubborn.git', 'hooks');
  await execFileP('mount', ['-t', 'tmpfs', 'tspaas-test', hooks]);
  try {
    await must(alice.tspaas(['apps:destroy', '--confirm', 'stubborn'], repo));
    await eventually(async () => (await world.platform.log()).includes(`erase:${id}`), 'the erase job failing', 60_000);
    t.truthy(await rowOf('stubborn'), 'the name stays taken while the erase fails');
    t.deepEqual(await remainsOf('stubborn', id), ['repository'], 'the steps before the failing one are done');
    await world.platform.kill9();
  } finally {
    await execFileP('umount', [hooks]);
  }
  await world.platform.restart();
  await eventually(async () => (await rowOf('stubborn')) === null, 'the retried erase to end', 120_000);
  t.deepEqual(await remainsOf('stubborn', id), []);
});
