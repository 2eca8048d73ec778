/**
 * The Builder on a real engine: Dockerfile sources build with the engine's
 * Dockerfile builder (process types from a Procfile, else `web: ""` = the
 * image's command), other sources with buildpacks (stacks from the shared
 * test cache); app.json is read from the root; bad Procfiles and app.json
 * fail with messages the pusher can act on.
 */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBuilder, imageTag } from '../../../platform/builds/builder.js';
import type { App, Builder } from '../../../platform/types.js';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { HOST_CA, provideStacks } from '../../helpers/stacks.js';
import { sourceTar } from './sources.js';

let te: TestEngine;
let builder: Builder;
let dir: string;

test.before(async () => {
  te = await startTestEngine();
  dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-builder-'));
  builder = createBuilder(te.engine, { cacheRoot: path.join(dir, 'cache'), caFile: HOST_CA });
});

test.after.always(async () => {
  await te?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const app: App = { id: randomUUID(), name: 'shop', teamId: randomUUID(), teamName: 't', currentReleaseId: null, createdAt: new Date().toISOString() };

async function build(files: Record<string, string>, env: Record<string, string> = {}) {
  const buildId = randomUUID();
  const sourcePath = path.join(dir, `${buildId}.tar`);
  await sourceTar(files, sourcePath);
  const lines: string[] = [];
  const result = await builder.build({ app, buildId, sourcePath, env }, (l) => lines.push(l));
  return { buildId, result, lines };
}

test('a Dockerfile at the root builds with the engine; no Procfile = web runs the image command; app.json is read', async (t) => {
  const appJson = { healthchecks: { web: [{ type: 'startup', path: '/', attempts: 3 }] } };
  const { buildId, result, lines } = await build({
    Dockerfile: 'FROM busybox:latest\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n',
    'hello.txt': 'hello from the image\n',
    'app.json': JSON.stringify(appJson),
  });
  t.is(result.builder, 'dockerfile');
  t.is(result.image, imageTag('shop', buildId));
  t.regex(result.image, /^tspaas\/shop:build-[0-9a-f]{8}$/);
  t.deepEqual(result.processTypes, { web: '' });
  t.deepEqual(result.appJson, appJson);
  t.true(lines.some((l) => /^Step 2\/\d+ : COPY hello.txt/.test(l)));
  t.true(lines.includes(`Successfully tagged ${result.image}`));
  const run = await runToEnd(te.engine, { image: result.image });
  t.is(run.stdout, 'hello from the image\n');
});

test('a Dockerfile build takes its process types and release command from a Procfile', async (t) => {
  const { result } = await build({
    Dockerfile: 'FROM busybox:latest\n',
    Procfile: 'web: httpd -f -p $PORT\nworker: sleep 1000\nrelease: echo migrating\n',
  });
  t.deepEqual(result.processTypes, { web: 'httpd -f -p $PORT', worker: 'sleep 1000', release: 'echo migrating' });
  t.is(result.appJson, null);
});

test('a malformed Procfile or app.json fails the build naming the problem', async (t) => {
  await t.throwsAsync(build({ Dockerfile: 'FROM busybox:latest\n', Procfile: 'web httpd\n' }), { message: /Procfile line 1/ });
  await t.throwsAsync(build({ Dockerfile: 'FROM busybox:latest\n', 'app.json': '[1' }), { message: /app\.json is not valid JSON/ });
  await t.throwsAsync(build({ Dockerfile: 'FROM busybox:latest\n', 'app.json': '{"healthchecks": {"web": 3}}' }),
    { message: /app\.json "healthchecks\.web"/ });
});

test('a failing Dockerfile step fails with the engine\'s reason and tags nothing', async (t) => {
  const err = await t.throwsAsync(build({ Dockerfile: 'FROM busybox:latest\nRUN exit 7\n' }));
  t.regex(err?.message ?? '', /non-zero code: 7/);
  t.is((err as { kind?: string }).kind, 'Invalid');
});

test('without a Dockerfile the buildpacks build it: Procfile types plus the release command, config vars as build env', async (t) => {
  t.timeout(10 * 60_000);
  await provideStacks(te.engine);
  const bp = await envBuildpack();
  const { result, lines } = await build({
    '.buildpacks': `${bp}\n`,
    Procfile: 'web: exec httpd -f -p $PORT\nrelease: echo release-phase\n',
  }, { GREETING: 'hello from the config' });
  t.is(result.builder, 'buildpacks');
  t.deepEqual(result.processTypes, { web: 'exec httpd -f -p $PORT', release: 'echo release-phase' });
  t.true(lines.some((l) => l.includes('Building with buildpacks')));
  t.true(lines.some((l) => l.includes('copying GREETING')), 'the buildpack\'s output streams');
  const run = await runToEnd(te.engine, { image: result.image, cmd: ['cat', '/app/greeting.txt'] });
  t.is(run.stdout, 'hello from the config', 'the config var reached the compile through ENV_DIR');
});

/** A buildpack on this host whose compile copies ENV_DIR/GREETING into the app. */
async function envBuildpack(): Promise<string> {
  const bp = path.join(dir, 'env-bp');
  await mkdir(path.join(bp, 'bin'), { recursive: true });
  const scripts: Record<string, string> = {
    detect: '#!/bin/sh\necho env-copy\n',
    compile: '#!/bin/sh\necho "-----> copying GREETING"\ncp "$3/GREETING" "$1/greeting.txt"\n',
    release: '#!/bin/sh\necho "--- {}"\n',
  };
  for (const [name, text] of Object.entries(scripts)) await writeFile(path.join(bp, 'bin', name), text, { mode: 0o755 });
  return bp;
}
