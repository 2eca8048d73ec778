/**
 * The nodejs buildpack with the apps Heroku users push, each built by the
 * real buildpack in a real build container and then run and asked for its
 * body: an app without a lockfile (heroku/node-js-sample, on Node 20 and on
 * Node 14), Yarn 1, Yarn 4 Plug'n'Play and zero-installs, pnpm 9, pnpm and
 * npm workspaces (modelled on the test fixtures of heroku/heroku-buildpack-nodejs:
 * yarn, yarn-2-pnp, yarn-2-pnp-zero, pnpm-9, pnpm-workspaces, workspaces).
 * The fixtures live in fixtures/nodejs/<name>; their lockfiles were written by
 * the managers themselves. The apps of one manager share a cache directory,
 * like the builds of one host share the downloads of Node.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../buildpacks/build.js';
import { startTestEngine, runToEnd, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';
import { readNodeFixture as readFixture } from './fixtures/nodejs/read.js';

let te: TestEngine;
const dirs: string[] = [];

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
});
test.after.always(async () => {
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Build `source` into `tag`; the output lines, and the result (or the error of a failed build). */
async function build(source: string, tag: string, cacheDir: string, extra: { network?: string; env?: Record<string, string> } = {}) {
  const lines: string[] = [];
  const result = await buildApp(te.engine, { source, tag, cacheDir, caFile: HOST_CA, onOutput: (l) => lines.push(l), ...extra })
    .catch((e: Error) => e);
  return { lines, result };
}

/** Build fixture NAME, run the image and return its body. */
async function buildAndAsk(name: string, tag: string, cacheDir: string, changed: Record<string, string> = {}) {
  const source = await writeApp({ ...await readFixture(name), ...changed });
  dirs.push(source);
  const { lines, result } = await build(source, tag, cacheDir);
  if (result instanceof Error) throw new Error(`${result.message}\n${lines.join('\n')}`);
  const served = await serveImage(te.engine, tag);
  return { source, lines, result, body: (await httpGet(served.url)).body.toString() };
}

test('heroku/node-js-sample (no lockfile): npm install, answers, and rebuilds offline from the cache', async (t) => {
  t.timeout(8 * 60 * 1000);
  const cacheDir = await tempDir('tspaas-nodecache-');
  const first = await buildAndAsk('node-js-sample', 'nodesample:1', cacheDir);
  t.is(first.body, 'Hello World!');
  t.true(first.lines.includes('       no lockfile: npm resolves the versions (commit the lockfile it writes for repeatable builds)'), first.lines.join('\n'));
  t.true(first.lines.some((l) => /added \d+ packages/.test(l)));
  // Node 20 gets the npm it ships with (10), not whatever is newest.
  const npm = await runToEnd(te.engine, { image: 'nodesample:1', cmd: ['npm --version'] });
  t.regex(npm.stdout, /^10\.\d+\.\d+\n$/);

  const again = await build(first.source, 'nodesample:2', cacheDir, { network: 'none' });
  if (again.result instanceof Error) return t.fail(`${again.result.message}\n${again.lines.join('\n')}`);
  t.true(again.lines.includes('       package.json unchanged: restoring node_modules from the cache (no network install)'), again.lines.join('\n'));
  t.deepEqual(again.result.reusedLayers.map((k) => k.replace(/-v\d+-.*/, '')), ['nodejs-runtime', 'nodejs-modules']);
  const served = await serveImage(te.engine, 'nodesample:2');
  t.is((await httpGet(served.url)).body.toString(), 'Hello World!');

  // Heroku's switches: no cache restored, devDependencies kept.
  const fresh = await build(first.source, 'nodesample:3', cacheDir, { env: { NODE_MODULES_CACHE: 'false', NPM_CONFIG_PRODUCTION: 'false' } });
  if (fresh.result instanceof Error) return t.fail(`${fresh.result.message}\n${fresh.lines.join('\n')}`);
  t.true(fresh.lines.includes('       NODE_MODULES_CACHE=false: installing from scratch'), fresh.lines.join('\n'));
  t.true(fresh.lines.includes('-----> Keeping devDependencies (NPM_CONFIG_PRODUCTION=false)'));
  t.false(fresh.lines.includes('-----> Pruning devDependencies'));
});

const managers = { dir: '' };
test.before(async () => { managers.dir = await tempDir('tspaas-managers-'); });

test.serial('yarn.lock v1 → Yarn 1 with --frozen-lockfile; heroku-prebuild, heroku-postbuild with devDependencies, then pruned', async (t) => {
  t.timeout(8 * 60 * 1000);
  const app = await buildAndAsk('yarn-1', 'yarn1:1', managers.dir);
  t.is(app.body, 'yarn 1: 1m');
  for (const line of ['-----> Installing yarn (1.x)', '-----> Running heroku-prebuild', '-----> Running heroku-postbuild', '       devDependencies present at build time']) {
    t.true(app.lines.includes(line), `${line}\n${app.lines.join('\n')}`);
  }
  const tree = await runToEnd(te.engine, { image: 'yarn1:1', cmd: ['yarn --version; cat prebuild.txt; test -d node_modules/ms && ! test -e node_modules/is-number && echo pruned'] });
  t.regex(tree.stdout, /^1\.22\.\d+\nprebuild\npruned\n$/);
});

test.serial('packageManager yarn@4 with a berry yarn.lock → Yarn 4 from @yarnpkg/cli-dist, --immutable, Plug\'n\'Play at run time', async (t) => {
  t.timeout(8 * 60 * 1000);
  const app = await buildAndAsk('yarn-4-pnp', 'yarn4:1', managers.dir);
  t.is(app.body, 'yarn 4 pnp: 1m');
  t.true(app.lines.includes('       @yarnpkg/cli-dist 4.5.3'), app.lines.join('\n'));
  const tree = await runToEnd(te.engine, { image: 'yarn4:1', cmd: ['test -f .pnp.cjs && ! test -e node_modules && echo pnp'] });
  t.is(tree.stdout, 'pnp\n');

  // Zero-installs (heroku-buildpack-nodejs fixture yarn-2-pnp-zero): the release in .yarn/releases named by
  // yarnPath, and .yarn/cache committed, build with no network at all. Both are taken from what the first
  // build kept: the @yarnpkg/cli-dist package store and the saved install (lib/fetch.sh, lib/deps.sh).
  const kept = path.join(managers.dir, 'node_modules', (await fsp.readdir(path.join(managers.dir, 'node_modules'))).find((n) => !n.endsWith('.list'))!);
  await fsp.cp(path.join(kept, '.yarn/cache'), path.join(app.source, '.yarn/cache'), { recursive: true });
  await fsp.mkdir(path.join(app.source, '.yarn/releases'));
  await fsp.copyFile(path.join(managers.dir, 'packages/@yarnpkg+cli-dist/4.5.3/bin/yarn.js'), path.join(app.source, '.yarn/releases/yarn-4.5.3.cjs'));
  await fsp.writeFile(path.join(app.source, '.yarnrc.yml'), 'yarnPath: .yarn/releases/yarn-4.5.3.cjs\nenableGlobalCache: false\n');
  await fsp.writeFile(path.join(app.source, 'index.js'), (await fsp.readFile(path.join(app.source, 'index.js'), 'utf8')).replace('pnp:', 'zero-installs:'));
  const zero = await build(app.source, 'yarn4:2', managers.dir, { network: 'none' });
  if (zero.result instanceof Error) return t.fail(`${zero.result.message}\n${zero.lines.join('\n')}`);
  t.true(zero.lines.includes('       .yarn/releases/yarn-4.5.3.cjs (.yarnrc.yml yarnPath: nothing to download)'), zero.lines.join('\n'));
  const served = await serveImage(te.engine, 'yarn4:2');
  t.is((await httpGet(served.url)).body.toString(), 'yarn 4 zero-installs: 1m');
});

test.serial('pnpm-lock.yaml 9.0 → pnpm 9; devDependencies pruned by an offline `pnpm install --prod`', async (t) => {
  t.timeout(8 * 60 * 1000);
  const app = await buildAndAsk('pnpm-9', 'pnpm9:1', managers.dir);
  t.is(app.body, 'pnpm 9: 1m');
  t.true(app.lines.includes('-----> Installing pnpm (9.x)'), app.lines.join('\n'));
  const tree = await runToEnd(te.engine, { image: 'pnpm9:1', cmd: ['test -e node_modules/ms && ! test -e node_modules/is-number && echo pruned'] });
  t.is(tree.stdout, 'pruned\n');
});

test.serial('pnpm workspaces: every package\'s node_modules survives the cached second build', async (t) => {
  t.timeout(8 * 60 * 1000);
  const app = await buildAndAsk('pnpm-workspaces', 'pnpmws:1', managers.dir);
  t.is(app.body, 'pnpm workspaces: 1m');
  const again = await build(app.source, 'pnpmws:2', managers.dir, { network: 'none' });
  if (again.result instanceof Error) return t.fail(`${again.result.message}\n${again.lines.join('\n')}`);
  t.true(again.lines.includes('       pnpm-lock.yaml unchanged: restoring the install from the cache (no network install)'), again.lines.join('\n'));
  const served = await serveImage(te.engine, 'pnpmws:2');
  t.is((await httpGet(served.url)).body.toString(), 'pnpm workspaces: 1m');
});

test.serial('npm workspaces (heroku-buildpack-nodejs fixture workspaces): a package\'s own node_modules survives the cached second build', async (t) => {
  t.timeout(8 * 60 * 1000);
  const app = await buildAndAsk('npm-workspaces', 'npmws:1', managers.dir);
  t.is(app.body, 'npm workspaces: 2.1.3 2.0.0');
  const again = await build(app.source, 'npmws:2', managers.dir, { network: 'none' });
  if (again.result instanceof Error) return t.fail(`${again.result.message}\n${again.lines.join('\n')}`);
  t.true(again.lines.includes('       package-lock.json unchanged: restoring the install from the cache (no network install)'), again.lines.join('\n'));
  const served = await serveImage(te.engine, 'npmws:2');
  t.is((await httpGet(served.url)).body.toString(), 'npm workspaces: 2.1.3 2.0.0');
});

test('Node 14 gets the npm it shipped with (6), not npm 10, which does not run on it (issue 14)', async (t) => {
  t.timeout(8 * 60 * 1000);
  const files = await readFixture('node-js-sample');
  const json = JSON.parse(files['package.json']) as { engines: { node: string } };
  json.engines.node = '14.x'; // heroku/node-js-getting-started's engines before 2021
  const app = await buildAndAsk('node-js-sample', 'node14:1', await tempDir('tspaas-node14-'), { 'package.json': JSON.stringify(json) });
  t.is(app.body, 'Hello World!');
  t.true(app.lines.includes('-----> Installing npm (6.x)'), app.lines.join('\n'));
  const versions = await runToEnd(te.engine, { image: 'node14:1', cmd: ['node --version; npm --version'] });
  t.regex(versions.stdout, /^v14\.\d+\.\d+\n6\.\d+\.\d+\n$/);
});
