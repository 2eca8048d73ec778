/**
 * Issue 14's corpus: 27 apps as Heroku and Dokku users push them (Heroku's
 * and Dokku's sample apps, the test fixtures of Heroku's Node.js, Python,
 * Go and static buildpacks, framework starters; each names its source in
 * corpus/), every one a git repo pushed with `git push tspaas main` through
 * a real tspaasd and router, then asked through the router for its body.
 * Node.js packages come from registry.npmjs.org; the Python index, the Go
 * module proxy and the Docker Hub mirror are served by the test, as an
 * operator would run them, since those are not reachable here.
 */
import test from 'ava';
import path from 'node:path';
import { createPackageMirrors, type PackageMirrors } from '../../helpers/package-mirrors.js';
import { claimNetworkSlot } from '../../helpers/network-slot.js';
import { publishImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import * as py from '../../buildpacks/fixtures/python-apps.js';
import * as go from '../../buildpacks/fixtures/go-apps.js';
import { nodeApps } from './corpus/node.js';
import { dockerfileApps, goApps, plainApps, pythonApps } from './corpus/others.js';
import type { CorpusApp, CorpusContext } from './corpus/types.js';
import { createTenant, eventually, makeRepo, must, remoteLines, startWorld, viaRouter, type Result, type Tenant, type World } from './world.js';

const CORPUS: CorpusApp[] = [...nodeApps, ...pythonApps, ...goApps, ...plainApps, ...dockerfileApps];
/** Pushes at once: each build is a container installing packages, on two cores. */
const AT_ONCE = 3;
/** The longest one push may take, from its turn on. */
const PUSH_MS = 8 * 60 * 1000;

let world: World;
let mirrors: PackageMirrors;
let hub: TestRegistry;
let user: Tenant;
let ctx: CorpusContext;
let releaseSlot: () => Promise<void>;

test.before(async () => {
  const slot = await claimNetworkSlot();
  releaseSlot = () => slot.release();
  mirrors = await createPackageMirrors(slot.config.pool);
  const hashes: string[] = [];
  for (const [name, version, files, requires] of py.wheels()) hashes.push(await mirrors.addWheel(name, version, files, requires));
  const goSum = await mirrors.addGoModule(go.GREETING, go.GREETING_VERSION, go.greetingModule());
  ctx = { mirrors, wheels: { colour: hashes[0], greeting11: hashes[1], greeting12: hashes[2] }, goSum };
  hub = await startRegistry();
  world = await startWorld({ args: ['--registry-mirror', `http://${hub.host}`] });
  // The operator's Docker Hub mirror holds `node:20` (a busybox stand-in: there is no Docker Hub here).
  await publishImage(path.join(world.platform.runRoot, 'engine.sock'), `${hub.host}/library/node:20`, 'FROM busybox\nRUN echo served-from-the-mirror > /origin\n');
  user = await createTenant(world, 'corpus');
});
test.after.always(async () => {
  await world?.close();
  await hub?.stop();
  await mirrors?.remove();
  await releaseSlot?.();
});

test('the corpus has at least 25 apps, each with a source and a unique name', (t) => {
  t.true(CORPUS.length >= 25, `${CORPUS.length} apps`);
  t.is(new Set(CORPUS.map((a) => a.name)).size, CORPUS.length);
  t.true(CORPUS.every((a) => a.source.length > 10));
});

const pushing = limiter(AT_ONCE);

for (const app of CORPUS) {
  test(`${app.name} (${app.source}) deploys and answers`, async (t) => {
    // While it waits for a turn, its time limit starts again each time another push ends: a test timeout of an
    // hour here would also have stopped ava's 3-minute inactivity timeout from catching a hung file anywhere else.
    const push = await pushing(() => {
      t.timeout(PUSH_MS); // the push itself, from its turn on
      return deploy(app);
    }, () => t.timeout(PUSH_MS + 60_000));
    t.is(push.code, 0, push.stderr);
    const lines = remoteLines(push);
    for (const line of app.lines ?? []) t.true(lines.includes(line), `missing: ${line}\n--- push:\n${push.stderr}`);
    const wanted = app.processes ?? ['web.1'];
    const ps = await eventually(async () => {
      const up = (JSON.parse((await must(user.tspaas(['ps', '--json', '-a', app.name]))).stdout) as Array<{ name: string; state: string }>)
        .filter((p) => p.state === 'up').map((p) => p.name);
      return wanted.every((w) => up.includes(w)) && up;
    }, `${app.name}: ${wanted.join(', ')} up`);
    t.deepEqual(ps.sort(), [...wanted].sort());
    if (app.body === null) {
      t.is(lines.at(-1), `=====> ${app.name} deployed: ${wanted.map((w) => w.replace(/\.\d+$/, '=1')).join(', ')} running; there is no web process, so the app has no URL`);
      return;
    }
    t.regex(lines.at(-1) ?? '', new RegExp(`^=====> ${app.name} deployed to http`), push.stderr);
    const res = await viaRouter(world, app.name, app.path);
    t.is(res.status, 200, res.body);
    t.is(res.body, app.body);
  });
}

/** Create the app, set its config, push its repo: the push's result. */
async function deploy(app: CorpusApp): Promise<Result> {
  const dir = await makeRepo(world, user, await app.files(ctx));
  await must(user.tspaas(['apps:create', app.name], dir));
  const config = app.config?.(ctx);
  if (config) await must(user.tspaas(['config:set', ...Object.entries(config).map(([k, v]) => `${k}=${v}`)], dir));
  return user.git(['push', 'tspaas', 'main'], dir);
}

/**
 * Run at most `n` of the functions given at once. `waited` is called when a
 * function must wait for its turn, and again each time a running one ends
 * while it still waits.
 */
function limiter(n: number): <T>(fn: () => Promise<T>, waited: () => void) => Promise<T> {
  let running = 0;
  const waiting: Array<{ go(): void; waited(): void }> = [];
  return async (fn, waited) => {
    if (running >= n) {
      waited();
      await new Promise<void>((go) => waiting.push({ go, waited }));
    }
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.go();
      for (const w of waiting) w.waited();
    }
  };
}
