/**
 * The Builder on a real engine: Dockerfile sources build with the engine's
 * Dockerfile builder (process types from a Procfile, else `web: ""` = the
 * image's command), other sources with buildpacks (stacks from the shared
 * test cache); app.json is read from the root; bad Procfiles and app.json
 * fail with messages the pusher can act on.
 */
import test, { type ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBuilder, imageTag } from '../../../platform/builds/builder.js';
import { buildNetworkName, NETWORK_ROLE_LABEL } from '../../../platform/builds/network.js';
import type { App, Builder } from '../../../platform/types.js';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { createHttpsOutside } from '../../helpers/https-outside.js';
import { HOST_CA, provideStacks, seedStacks } from '../../helpers/stacks.js';
import { sourceTar } from './sources.js';

let te: TestEngine;
let builder: Builder;
let dir: string;

test.before(async () => {
  te = await startTestEngine({ seed: seedStacks });
  dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-builder-'));
  builder = createBuilder(te.engine, { cacheRoot: path.join(dir, 'cache'), caFile: HOST_CA });
});

test.after.always(async () => {
  await te?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** A build plan of odd numbers, and the line a build container prints of its own cgroup (v1 files, else v2's). */
const BUILD_PLAN = { name: 'build-test', memoryBytes: 300 * 1024 * 1024, cpuShares: 300, cpus: 0.5, pidsLimit: 99 };
const READ_LIMITS = 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max 2>/dev/null'
  + ' || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max';
// v2: cpu.weight = 1 + (300 - 2) * 9999 / 262142 = 12 (runc's conversion); cpu.max "50000 100000".
const BUILD_PLAN_LIMITS = [`limits: ${300 * 1024 * 1024} 300 50000 99`, `limits: ${300 * 1024 * 1024} 12 50000 100000 99`];

const app: App = { id: randomUUID(), name: 'shop', teamId: randomUUID(), teamName: 't', teamUsernsHostId: 1073741824, currentReleaseId: null, createdAt: new Date().toISOString() };

async function build(files: Record<string, string>, env: Record<string, string> = {}, by: Builder = builder, forApp: App = app) {
  const buildId = randomUUID();
  const sourcePath = path.join(dir, `${buildId}.tar`);
  await sourceTar(files, sourcePath);
  const lines: string[] = [];
  const result = await by.build({ app: forApp, buildId, sourcePath, env }, (l) => lines.push(l));
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
  const bp = await envBuildpack(t);
  const withCa = createBuilder(te.engine, { cacheRoot: path.join(dir, 'cache'), caFile: bp.caFile, plan: BUILD_PLAN });
  const { result, lines } = await build({
    '.buildpacks': `${bp.url}\n`,
    Procfile: 'web: exec httpd -f -p $PORT\nrelease: echo release-phase\n',
  }, { GREETING: 'hello from the config' }, withCa);
  t.is(result.builder, 'buildpacks');
  t.deepEqual(result.processTypes, { web: 'exec httpd -f -p $PORT', release: 'echo release-phase' });
  t.true(lines.some((l) => l.includes('Building with buildpacks')));
  t.true(lines.some((l) => l.includes('copying GREETING')), 'the buildpack\'s output streams');
  t.true(lines.some((l) => BUILD_PLAN_LIMITS.some((want) => l.endsWith(want))), `the build container runs at the build plan:\n${lines.join('\n')}`);
  const run = await runToEnd(te.engine, { image: result.image, cmd: ['cat', '/app/greeting.txt'] });
  t.is(run.stdout, 'hello from the config', 'the config var reached the compile through ENV_DIR');
});

/** A buildpack served over https by an outside host, whose compile copies ENV_DIR/GREETING into the app. */
async function envBuildpack(t: ExecutionContext): Promise<{ url: string; caFile: string }> {
  const web = await createHttpsOutside(te.config.network.pool);
  t.teardown(() => web.remove());
  return { caFile: web.caFile, url: await web.addTarball('env-bp', {
    'bin/detect': '+x #!/bin/sh\necho env-copy\n',
    'bin/compile': `+x #!/bin/sh\necho "-----> copying GREETING"\ncp "$3/GREETING" "$1/greeting.txt"\necho "-----> limits:" $(${READ_LIMITS})\n`,
    'bin/release': '+x #!/bin/sh\necho "--- {}"\n',
  }) };
}

test('a local buildpack path in .buildpacks is refused: platform builds take bundled names and https:// URLs only', async (t) => {
  const err = await t.throwsAsync(build({ '.buildpacks': `${dir}\n`, Procfile: 'web: true\n' }));
  t.is((err as { kind?: string }).kind, 'Forbidden');
  t.regex(err?.message ?? '', /^buildpack .* is not allowed: a build takes bundled buildpacks/);
});

test('builds run on the app\'s own build network, removed when the app is erased', async (t) => {
  const other: App = { ...app, id: randomUUID(), name: 'gone-soon' };
  const { lines } = await build({ Dockerfile: 'FROM busybox:latest\nRUN cat /etc/resolv.conf\n' }, {}, builder, other);
  const net = await te.engine.inspectNetwork(buildNetworkName(other));
  t.is(net.labels['io.tspaas.app-id'], other.id);
  t.is(net.labels[NETWORK_ROLE_LABEL], 'build');
  t.true(lines.includes(`nameserver ${net.gateway}`), 'the RUN step used the build network\'s DNS responder');
  await builder.erase(other);
  await t.throwsAsync(te.engine.inspectNetwork(buildNetworkName(other)), { message: /not found/ });
  await builder.erase(other); // a second erase finds nothing and is fine
});

// Issue 13, part 4: builds run at the build plan's bounds, read here by a RUN step from its own cgroup.
test('a Dockerfile build\'s steps run at the build plan: memory, CPU weight and quota, pids', async (t) => {
  const bounded = createBuilder(te.engine, { cacheRoot: path.join(dir, 'cache'), caFile: HOST_CA, plan: BUILD_PLAN });
  const { lines } = await build({ Dockerfile: `FROM busybox:latest\nRUN echo limits: $(${READ_LIMITS})\n` }, {}, bounded);
  t.true(BUILD_PLAN_LIMITS.some((want) => lines.includes(want)), lines.join('\n'));
});
