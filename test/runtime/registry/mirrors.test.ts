/**
 * Registry mirrors (dockerd's `registry-mirrors`) against real
 * docker-registry instances: a Docker Hub name (`node:20`, `user/app`) is
 * pulled from the mirrors in order, each asked for `library/node` as a
 * pull-through mirror serves docker.io/library/node; names of other
 * registries never go to a mirror. The same through `FROM` in a build, the
 * Engine API (`POST /images/create`, `POST /build` with
 * `X-Registry-Config`) and the stock docker CLI when installed.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { serveEngineApi } from '../../../runtime/api/server.js';
import type { Engine } from '../../../runtime/types.js';
import { runToEnd, startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { docker, withDockerCli } from '../api/cli.js';
import { request } from '../api/client.js';
import { build, contextTar } from '../build/helpers.js';

let te: TestEngine;
let engine: Engine;
/** The first mirror: has nothing of Docker Hub's, so pulls fall through to the second. */
let empty: TestRegistry;
/** The second mirror: serves library/node:20 and user/app:1. */
let mirror: TestRegistry;
/** A registry with Basic auth, for credentials given to a build. */
let priv: TestRegistry;
let dir: string;
let socketPath: string;
let api: { close(): Promise<void> };

const PRIV = { username: 'builder', password: 's3cret-pw' };

test.before(async () => {
  [empty, mirror, priv, dir] = await Promise.all([startRegistry(), startRegistry(), startRegistry({ basic: PRIV }), mkdtemp(path.join(os.tmpdir(), 'tsp-mirrors-'))]);
  te = await startTestEngine({ registries: { registryMirrors: [`http://${empty.host}`, `http://${mirror.host}`] } });
  engine = te.engine;
  socketPath = path.join(dir, 'engine.sock');
  api = await serveEngineApi(engine, { socketPath, version: '0.1.0-mirrors' });
  await engine.ensureImage('busybox');
  // Stand-ins for Docker Hub's images: busybox's layer with a label saying which one it is.
  await publish(`${mirror.host}/library/node:20`, 'node:20 from the mirror');
  await publish(`${mirror.host}/user/app:1`, 'user/app:1 from the mirror');
  await publish(`${empty.host}/own/app:1`, 'own/app:1 of its own registry');
});
test.after.always(async () => {
  await api?.close();
  await Promise.all([empty?.stop(), mirror?.stop(), priv?.stop()]);
  await te?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Push an image labelled `served` as `ref`, then forget it locally. */
async function publish(ref: string, served: string, auth?: typeof PRIV): Promise<void> {
  const layer = await engine.images.openLayer((await engine.images.get('busybox')).layers[0]);
  const img = await engine.images.importRootfs(layer, { changes: { Labels: { served } } });
  await engine.images.tag(img.id, ref);
  await engine.pushImage(ref, { auth });
  await engine.removeImage(ref);
}

const served = async (ref: string) => (await engine.images.get(ref)).config.config?.Labels?.served;

test.serial('node:20 is pulled from the mirrors in order (the first has it not), as library/node, tagged node:20, and runs', async (t) => {
  const image = await engine.pullImage('node:20');
  t.deepEqual(image.repoTags, ['node:20']);
  t.is(await served('node:20'), 'node:20 from the mirror');
  t.regex(await empty.log(), /GET \/v2\/library\/node\/manifests\/20/, 'the first mirror was asked first');
  t.regex(await mirror.log(), /GET \/v2\/library\/node\/manifests\/20/);
  const run = await runToEnd(engine, { image: 'node:20', cmd: ['sh', '-c', 'echo mirrored-$((6*7))'] });
  t.is(run.stdout.trim(), 'mirrored-42', run.stderr);
  await engine.removeContainer(run.id, { force: true });

  await engine.pullImage('user/app:1');
  t.is(await served('user/app:1'), 'user/app:1 from the mirror', 'a user repository keeps its path: docker.io/user/app is user/app on the mirror');
});

test.serial('names of other registries never go to a mirror', async (t) => {
  await engine.pullImage(`${empty.host}/own/app:1`);
  t.is(await served(`${empty.host}/own/app:1`), 'own/app:1 of its own registry');
  t.notRegex(await mirror.log(), /own\/app/);
});

test.serial('an image no mirror has is NotFound naming every mirror; a build FROM it is Docker\'s "pull access denied"', async (t) => {
  const err = await t.throwsAsync(engine.pullImage('nosuch:1'));
  t.is((err as { kind?: string }).kind, 'NotFound');
  t.true(err!.message.startsWith('cannot pull "nosuch:1" (docker.io/library/nosuch:1) from the registry mirrors: '), err!.message);
  t.true(err!.message.includes(empty.host) && err!.message.includes(mirror.host), err!.message);
  const r = await build(engine, { Dockerfile: 'FROM nosuch:1\n' });
  t.is(r.error?.message, 'pull access denied for nosuch:1, repository does not exist or may require \'docker login\': no such image: nosuch:1');
});

test.serial('FROM node:20 builds on the mirror\'s image (unscoped, and scoped as the platform builds)', async (t) => {
  await engine.removeImage('node:20');
  for (const scope of [undefined, 'app-mirror-test']) {
    const r = await build(engine, { Dockerfile: 'FROM node:20\nRUN echo built-on-node > /marker\nCMD ["cat", "/marker"]\n' }, { tags: ['on-node:1'], scope });
    t.is(r.error, null, r.error?.message);
    t.is(r.image!.config.config.Labels?.served, 'node:20 from the mirror');
    const out = await runToEnd(engine, { image: 'on-node:1' });
    t.is(out.stdout, 'built-on-node\n');
    await engine.removeContainer(out.id, { force: true });
  }
});

test.serial('Engine API: POST /images/create?fromImage=node&tag=20 and POST /build with X-Registry-Config pull through the mirror and with the credentials', async (t) => {
  await engine.removeImage('node:20');
  const pulled = await request(socketPath, 'POST', '/images/create?fromImage=node&tag=20');
  t.is(pulled.status, 200);
  t.regex(pulled.body.toString(), /Status: Downloaded newer image for node:20/);
  const info = JSON.parse((await request(socketPath, 'GET', '/info')).body.toString()) as { RegistryConfig: { Mirrors: string[] } };
  t.deepEqual(info.RegistryConfig.Mirrors, [`http://${empty.host}/`, `http://${mirror.host}/`], 'GET /info (docker info) lists the mirrors in order');
  t.is(await served('node:20'), 'node:20 from the mirror');

  const base = `${priv.host}/team/base:1`;
  await publish(base, 'the private base', PRIV);
  const context = await buffer(contextTar({ Dockerfile: `FROM ${base}\nRUN echo private > /marker\n` }));
  const denied = await request(socketPath, 'POST', '/build?t=on-private:1', context, { 'Content-Type': 'application/x-tar' });
  t.regex(denied.body.toString(), /needs credentials|unauthorized/, 'no credentials: the registry refuses');
  const config = Buffer.from(JSON.stringify({ [`http://${priv.host}`]: { username: PRIV.username, password: PRIV.password } })).toString('base64');
  const built = await request(socketPath, 'POST', '/build?t=on-private:1', context, { 'Content-Type': 'application/x-tar', 'X-Registry-Config': config });
  t.regex(built.body.toString(), /Successfully built/, built.body.toString());
  t.is(await served('on-private:1'), 'the private base');
});

withDockerCli(() => {
  test.serial('docker pull node:20 and DOCKER_BUILDKIT=0 docker build FROM node:20 through the Engine API', async (t) => {
    await engine.removeImage('node:20', { force: true });
    const pull = await docker(socketPath, ['pull', 'node:20'], { timeoutMs: 120_000 });
    t.is(pull.code, 0, pull.stderr);
    t.regex(pull.stdout, /Status: Downloaded newer image for node:20/);
    const info = await docker(socketPath, ['info']);
    t.true(info.stdout.includes(`Registry Mirrors:\n  http://${empty.host}/\n  http://${mirror.host}/`), info.stdout);
    const ctx = await mkdtemp(path.join(dir, 'ctx-'));
    await writeFile(path.join(ctx, 'Dockerfile'), 'FROM node:20\nRUN echo via-cli\n');
    process.env.DOCKER_BUILDKIT = '0';
    await engine.removeImage('node:20', { force: true });
    const built = await docker(socketPath, ['build', '-t', 'cli-on-node:1', ctx], { timeoutMs: 120_000 });
    t.is(built.code, 0, built.stderr);
    t.regex(built.stdout, /Step 1\/2 : FROM node:20/);
    t.regex(built.stdout, /via-cli/);
  });
});
