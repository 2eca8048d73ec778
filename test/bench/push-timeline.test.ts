/**
 * bench/push-timeline.ts against a real push: the lines that end each phase
 * of `bench:buildpacks` must be the ones the platform prints (a changed
 * message would otherwise turn a phase into "-" in the benchmark without
 * anyone noticing). A Node app without dependencies (the e2e tests' nodeApp)
 * is pushed through the real tspaasd and router, cold and then warm.
 */
import test from 'ava';
import { commitAll, createTenant, makeRepo, must, nodeApp, startWorld, viaRouter, writeFiles, type Tenant, type World } from '../platform/e2e/world.js';
import { nodeTarballSource, phasesOf, PHASES, slugSize, timedPush, transcript } from '../../bench/push-timeline.js';

let world: World;
let tenant: Tenant;
let repo: string;

test.before(async () => {
  world = await startWorld();
  tenant = await createTenant(world, 'timeline');
  repo = await makeRepo(world, tenant, nodeApp('cold'));
  await must(tenant.tspaas(['apps:create', 'timeline'], repo));
});
test.after.always(async () => { await world?.close(); });

/** Push, then the router asked until it serves `tag`; the push and when it was served (ms after the push started). */
async function pushAndServe(tag: string) {
  const push = await timedPush(['tspaas', 'main'], repo, { ...process.env, ...tenant.env });
  if (push.code !== 0) throw new Error(`push failed:\n${transcript(push)}`);
  const res = await viaRouter(world, 'timeline');
  if (!res.body.endsWith(`(${tag})`)) throw new Error(`the router served ${JSON.stringify(res.body)} after the push of ${tag}`);
  return { push, servedMs: performance.now() - push.start };
}

test.serial('every phase of a cold and a warm push ends on a line the platform printed, and the phases add up to the push', async (t) => {
  t.timeout(8 * 60 * 1000);
  for (const tag of ['cold', 'warm']) {
    if (tag === 'warm') {
      await writeFiles(repo, { 'index.js': nodeApp('warm')['index.js'] });
      await commitAll(tenant, repo, 'warm');
    }
    const { push, servedMs } = await pushAndServe(tag);
    const phases = phasesOf(push, servedMs);
    t.deepEqual(Object.keys(phases), PHASES.map((p) => p.name));
    for (const p of PHASES) t.true(phases[p.name] !== null && phases[p.name]! >= 0, `${tag}: phase ${p.name} has no end line:\n${transcript(push)}`);
    const sum = Object.values(phases).reduce((s: number, x) => s + x!, 0);
    t.true(Math.abs(sum - servedMs / 1000) < 0.001, `${tag}: phases add up to ${sum} s, not ${servedMs / 1000} s`);
    t.regex(slugSize(push) ?? '', /^\d+(\.\d+)?[KMG]$/, transcript(push));
    // The lines stream as the build runs (a buffered stream would squeeze the compile into nothing).
    t.true(phases.compile! > 0.1, `${tag}: compile took ${phases.compile} s:\n${transcript(push)}`);
  }
});

test.serial('a cold push of a Node app says where its Node.js tarball came from; an app without Node says nothing', async (t) => {
  // A new app (empty cache) on a new platform: downloaded, unless the host's download store already holds it.
  const fresh = await makeRepo(world, tenant, nodeApp('fresh'));
  await must(tenant.tspaas(['apps:create', 'timeline-fresh'], fresh));
  const node = await timedPush(['tspaas', 'main'], fresh, { ...process.env, ...tenant.env });
  t.is(node.code, 0, transcript(node));
  t.true(['network', 'store'].includes(nodeTarballSource(node) ?? ''), transcript(node));
  const site = await makeRepo(world, tenant, { 'index.html': '<h1>site</h1>\n' });
  await must(tenant.tspaas(['apps:create', 'timeline-site'], site));
  const stat = await timedPush(['tspaas', 'main'], site, { ...process.env, ...tenant.env });
  t.is(stat.code, 0, transcript(stat));
  t.is(nodeTarballSource(stat), null);
});
