/**
 * Issue 12 part 4, end to end: `apps:destroy` erases everything the app had
 * — bare repository, build caches (buildpacks and its scope of the
 * Dockerfile cache), build sources and logs, every image and intermediate
 * image, containers, network, routes, domains, the log archive — and a new
 * app of the same name made by another team starts with nothing of the old
 * one: an empty clone, no cache hit (the old app's RUN output never reaches
 * it), and the disk of the platform and engine roots back where it was.
 * Real tspaasd (engine, job queues, git receiver), real git pushes.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { commitAll, createTenant, engineGet, eventually, makeRepo, must, nodeApp, startWorld, viaRouter, writeFiles, type Tenant, type World } from './world.js';

const execFileP = promisify(execFile);

let world: World;
let alice: Tenant;
let bob: Tenant;
test.before(async () => {
  world = await startWorld();
  alice = await createTenant(world, 'dalice');
  bob = await createTenant(world, 'dbob');
});
test.after.always(async () => { await world?.close(); });

/** A Dockerfile app whose RUN makes a secret of its own (a cache hit would hand it to whoever builds the same file). */
const DOCKERFILE_APP = {
  Dockerfile: [
    'FROM busybox:latest',
    "RUN mkdir /www && head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \\n' > /www/index.html",
    'RUN echo second > /www/two.html',
    'CMD echo "serving on $PORT" && httpd -f -p $PORT -h /www',
    '',
  ].join('\n'),
};

interface ImageSummary { Id: string; RepoTags: string[] | null }

/** Every image, intermediate build steps included (`all`: without it the list leaves them out, as dockerd's does). */
const engineImages = () => engineGet<ImageSummary[]>(world, '/images/json?all=1');

/** Names of the engine's networks. */
const engineNetworks = async () => (await engineGet<Array<{ Name: string }>>(world, '/networks')).map((n) => n.Name);

/** Bytes used under the platform and engine roots (`du`, this file system only: no container root mounted below is counted). */
async function diskBytes(): Promise<number> {
  const { stdout } = await execFileP('du', ['-sbx', world.platform.root]);
  return Number(stdout.split('\t')[0]);
}

const dataDir = () => path.join(world.platform.root, 'platform');
const exists = (p: string) => fsp.access(p).then(() => true, () => false);

async function appId(name: string): Promise<string | null> {
  const res = await world.platform.db.query<{ id: string }>('SELECT id FROM apps WHERE name = $1', [name]);
  return res.rows[0]?.id ?? null;
}

/** Destroy `name` as its owner and wait until its erase job removed its row (the last step). */
async function destroyAndWait(owner: Tenant, name: string, repo: string): Promise<void> {
  const id = await appId(name);
  await must(owner.tspaas(['apps:destroy', '--confirm', name], repo));
  await eventually(async () => (await world.platform.db.query('SELECT 1 FROM apps WHERE id = $1', [id])).rowCount === 0, `${name} erased`, 180_000);
}

/** Push the Dockerfile app, then a Node (buildpacks) app, to `name`: images, intermediate images and both caches exist. */
async function pushBoth(owner: Tenant, name: string): Promise<{ repo: string; secret: string }> {
  const repo = await makeRepo(world, owner, DOCKERFILE_APP);
  await must(owner.tspaas(['apps:create', name], repo));
  const first = await owner.git(['push', 'tspaas', 'main'], repo);
  if (first.code !== 0) throw new Error(first.stderr);
  const secret = (await viaRouter(world, name)).body;
  await fsp.rm(path.join(repo, 'Dockerfile'));
  await writeFiles(repo, nodeApp('node'));
  await commitAll(owner, repo, 'node');
  const second = await owner.git(['push', 'tspaas', 'main'], repo);
  if (second.code !== 0) throw new Error(second.stderr);
  return { repo, secret };
}

test.serial('destroy, then the same name by another team: empty clone, empty caches, no image of the old app, disk back', async (t) => {
  // A first app makes what is shared by every app (base and stack images, the launcher layer) and is destroyed: the baseline.
  const warm = await pushBoth(alice, 'warm');
  await destroyAndWait(alice, 'warm', warm.repo);
  const baseline = { bytes: await diskBytes(), images: new Set((await engineImages()).map((i) => i.Id)) };

  const { repo, secret } = await pushBoth(alice, 'reuse');
  t.regex(secret, /^[0-9a-f]{24}$/);
  t.not(secret, warm.secret, 'a scope per app: the same Dockerfile in another app ran again instead of hitting the cache');
  await must(alice.tspaas(['domains:add', 'reuse.example.com'], repo));
  await execFileP('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(repo, 'tls.key'), '-out', path.join(repo, 'tls.crt'),
    '-days', '30', '-subj', '/CN=reuse.example.com', '-addext', 'subjectAltName=DNS:reuse.example.com']);
  await must(alice.tspaas(['certs:add', 'tls.crt', 'tls.key', '--name', 'reuse-tls'], repo));
  const oldId = (await appId('reuse'))!;
  const builds = (await world.platform.db.query<{ id: string }>('SELECT id FROM builds WHERE app_id = $1', [oldId])).rows.map((r) => r.id);
  const appImages = (await engineImages()).filter((i) => !baseline.images.has(i.Id));
  const leftovers = {
    repository: path.join(dataDir(), 'git', 'reuse.git'),
    buildpackCache: path.join(dataDir(), 'build-caches', 'reuse'),
    dockerfileCache: path.join(world.platform.root, 'engine', 'build', 'cache', 'scopes', `app-${oldId}`),
    logArchive: path.join(dataDir(), 'logs', 'apps', `${oldId}.ndjson`),
    buildLogs: path.join(dataDir(), 'logs', 'builds', `${builds[0]}.log`),
  };
  // The first release's web.1 is stopped after the drain that follows the second deploy; its lines go to the archive then.
  await eventually(() => exists(leftovers.logArchive), 'the old web.1 archived', 30_000);
  for (const [what, p] of Object.entries(leftovers)) t.true(await exists(p), `${what} exists before the destroy`);
  t.is(builds.length, 2);
  t.is((await world.platform.db.query("SELECT 1 FROM router_certificates WHERE name = 'reuse-tls'")).rowCount, 1, 'the router has the certificate');
  t.true(appImages.some((i) => !i.RepoTags?.length), 'the Dockerfile build left intermediate (untagged) images');
  t.is(appImages.filter((i) => i.RepoTags?.some((r) => r.startsWith('tspaas/reuse:'))).length, 2);

  t.true((await engineNetworks()).includes('tspaas-build.reuse'), 'the builds ran on the app\'s build network');
  await destroyAndWait(alice, 'reuse', repo);
  for (const [what, p] of Object.entries(leftovers)) t.false(await exists(p), `${what} is gone`);
  const images = new Set((await engineImages()).map((i) => i.Id));
  t.deepEqual(appImages.filter((i) => images.has(i.Id)).map((i) => `${i.Id} ${i.RepoTags?.join(',') ?? ''}`), [], 'no image of the old app is left');
  const rows = await world.platform.db.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM router_routes WHERE app = 'reuse') + (SELECT count(*) FROM router_hosts WHERE app = 'reuse' OR host LIKE 'reuse.%')
          + (SELECT count(*) FROM domains WHERE hostname = 'reuse.example.com') + (SELECT count(*) FROM builds WHERE app_id = $1)
          + (SELECT count(*) FROM certificates WHERE name = 'reuse-tls') + (SELECT count(*) FROM router_certificates WHERE name = 'reuse-tls') AS n`, [oldId]);
  t.is(rows.rows[0].n, '0', 'no route, host, domain, certificate or build row is left');
  t.is((await viaRouter(world, 'reuse')).status, 404);
  t.deepEqual((await engineNetworks()).filter((n) => n === 'tspaas-reuse' || n === 'tspaas-build.reuse'), [], 'its run and build networks are gone');
  const after = await diskBytes();
  t.log(`disk: ${baseline.bytes} bytes before, ${after} after`);
  t.true(Math.abs(after - baseline.bytes) < 256 * 1024, `disk back to the baseline (${after - baseline.bytes} bytes apart)`);

  // Bob's team takes the name: nothing of alice's app reaches his.
  const dir = await makeRepo(world, bob, DOCKERFILE_APP);
  await must(bob.tspaas(['apps:create', 'reuse'], dir));
  const heads = await must(bob.git(['ls-remote', 'tspaas'], dir));
  t.is(heads.stdout, '', 'the new repository is empty');
  const info = JSON.parse((await must(bob.tspaas(['apps:info', '--json'], dir))).stdout) as { currentVersion: number | null; domains: string[] };
  t.like(info, { currentVersion: null, domains: [] });
  const activity = await world.platform.api('GET', '/v1/apps/reuse/activity') as Array<{ action: string }>;
  t.deepEqual(activity.map((a) => a.action), ['apps.create']);
  const push = await bob.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  t.notRegex(push.stderr, /Using cache/, 'no step of the old app\'s builds is a cache hit');
  const served = (await viaRouter(world, 'reuse')).body;
  t.regex(served, /^[0-9a-f]{24}$/);
  t.not(served, secret);
});

test.serial('a deleted user\'s token is refused at once by the API and by git', async (t) => {
  const carol = await createTenant(world, 'dcarol');
  const dir = await makeRepo(world, carol, DOCKERFILE_APP);
  await must(carol.tspaas(['apps:create', 'carols'], dir));
  await must(carol.git(['ls-remote', 'tspaas'], dir));
  await world.platform.api('DELETE', `/v1/users/${encodeURIComponent(carol.email)}`);
  const git = await carol.git(['ls-remote', 'tspaas'], dir);
  t.not(git.code, 0);
  t.regex(git.stderr, /Authentication failed|could not read Username|401/);
  const cli = await carol.tspaas(['apps'], dir);
  t.not(cli.code, 0);
  t.regex(cli.stderr, /401|Unauthorized|token/i);
  await world.platform.api('DELETE', '/v1/apps/carols?confirm=carols');
});
