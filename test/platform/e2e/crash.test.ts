/**
 * Issue 7: `kill -9` of tspaasd in the middle of a deploy. After a restart
 * the app serves, and the deploy is finished or cleanly failed — never left
 * "deploying" — and a new push deploys again.
 */
import test from 'ava';
import { commitAll, createTenant, eventually, makeRepo, must, nodeApp, startWorld, viaRouter, writeFiles, type World } from './world.js';

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
