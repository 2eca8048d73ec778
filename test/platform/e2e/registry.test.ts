/**
 * Issue 14, part R, end to end: Dockerfile apps whose FROM is not on this
 * host. A real tspaasd started with `--registry-mirror` (a docker-registry
 * holding busybox-based stand-ins as `library/node:20`, the layout of a
 * pull-through mirror of Docker Hub), and a private docker-registry with
 * Basic auth on an "outside" host (a network namespace: scoped builds may
 * never pull from the host itself). Users push with git and log in with
 * `tspaas registry:login`; another team never sees nor uses those logins.
 *
 * The apps are modelled on Dokku's Dockerfile test app (dokku/dokku
 * tests/apps/dockerfile: `FROM node:…`, `EXPOSE`, a CMD serving HTTP); the
 * "node" image is a busybox stand-in, so busybox's httpd serves.
 */
import test from 'ava';
import path from 'node:path';
import { createOutside, type Outside } from '../../helpers/netns.js';
import { claimNetworkSlot } from '../../helpers/network-slot.js';
import { publishImage, startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { createTenant, makeRepo, must, startWorld, viaRouter, type Tenant, type World } from './world.js';

const PRIV = { username: 'acme-ci', password: 'pr1vate-Registry-pw' };

let world: World;
let mirror: TestRegistry;
let priv: TestRegistry;
let outside: Outside;
let releaseSlot: () => Promise<void>;
let acme: Tenant;
let globex: Tenant;

test.before(async () => {
  const slot = await claimNetworkSlot();
  releaseSlot = () => slot.release();
  outside = await createOutside(slot.config.pool);
  [mirror, priv] = await Promise.all([startRegistry(), startRegistry({ basic: PRIV, outside: { ns: outside.ns, address: outside.address } })]);
  world = await startWorld({ args: ['--registry-mirror', `http://${mirror.host}`, '--insecure-registry', outside.address] });
  // The operator fills the mirror and the team its private registry (docker build + docker push through the Engine API).
  await publishImage(engineSocket(), `${mirror.host}/library/node:20`, 'FROM busybox\nRUN echo served-from-the-mirror > /origin\n');
  await publishImage(engineSocket(), `${priv.host}/acme/base:1`, 'FROM busybox\nRUN echo served-from-the-private-registry > /origin\n', PRIV);
  [acme, globex] = await Promise.all([createTenant(world, 'acme'), createTenant(world, 'globex')]);
});
const engineSocket = () => path.join(world.platform.runRoot, 'engine.sock');

test.after.always(async () => {
  await world?.close();
  await Promise.all([mirror?.stop(), priv?.stop()]);
  await outside?.remove();
  await releaseSlot?.();
});

/** A Dockerfile app FROM `base` serving its /origin file (Dokku's tests/apps/dockerfile, with busybox httpd). */
const dockerfileApp = (base: string) => ({
  Dockerfile: `FROM ${base}\nRUN mkdir /www && cp /origin /www/index.html\nEXPOSE 5000\nCMD httpd -f -p $PORT -h /www\n`,
});

test.serial('FROM node:20 builds from the registry mirror on git push, and the app is served', async (t) => {
  const dir = await makeRepo(world, acme, dockerfileApp('node:20'));
  await must(acme.tspaas(['apps:create', 'mirrored'], dir));
  const push = await acme.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  t.regex(push.stderr, /Step 1\/\d+ : FROM node:20/);
  t.is((await viaRouter(world, 'mirrored')).body.trim(), 'served-from-the-mirror');
  t.regex(await mirror.log(), /GET \/v2\/library\/node\/manifests\/20/);
});

test.serial('registry:login lets the team\'s Dockerfile builds start FROM a private registry; registry:list shows host and user, never the password', async (t) => {
  const dir = await makeRepo(world, acme, dockerfileApp(`${priv.host}/acme/base:1`));
  await must(acme.tspaas(['apps:create', 'private-base'], dir));
  const before = await acme.git(['push', 'tspaas', 'main'], dir);
  t.not(before.code, 0, 'without a login the registry refuses the pull');
  t.regex(before.stderr, new RegExp(`remote: .*registry ${priv.host.replace(/\./g, '\\.')} needs credentials`));

  const login = await must(acme.tspaas(['registry:login', priv.host, '-u', PRIV.username, '--password-stdin'], dir, `${PRIV.password}\n`));
  t.regex(login.stdout, new RegExp(`Stored the login of ${PRIV.username} for ${priv.host.replace(/\./g, '\\.')}: Dockerfile builds of team acme pull with it`));
  const list = await must(acme.tspaas(['registry:list'], dir));
  t.regex(list.stdout, new RegExp(`${priv.host.replace(/\./g, '\\.')}\\s+${PRIV.username}\\s+acme\\s+\\(all apps\\)`));
  const json = await must(acme.tspaas(['registry:list', '--json'], dir));
  t.like((JSON.parse(json.stdout) as object[])[0], { host: priv.host, username: PRIV.username, team: 'acme', app: null });
  const admin = JSON.stringify(await world.platform.api('GET', '/v1/registry-logins'));
  for (const out of [list.stdout, json.stdout, admin]) t.false(out.includes(PRIV.password), 'no listing carries the password');

  const push = await acme.git(['push', 'tspaas', 'main'], dir);
  t.is(push.code, 0, push.stderr);
  t.is((await viaRouter(world, 'private-base')).body.trim(), 'served-from-the-private-registry');
});

test.serial('another team neither sees nor uses the login, even with the image already on the host; its own app login works', async (t) => {
  t.is((await must(globex.tspaas(['registry:list', '--json']))).stdout.trim(), '[]');
  const stolen = await globex.tspaas(['registry:logout', priv.host, '--team', 'acme']);
  t.not(stolen.code, 0);
  t.regex(stolen.stderr, /team acme not found/);

  const dir = await makeRepo(world, globex, dockerfileApp(`${priv.host}/acme/base:1`));
  await must(globex.tspaas(['apps:create', 'copycat'], dir));
  const push = await globex.git(['push', 'tspaas', 'main'], dir);
  t.not(push.code, 0, 'acme\'s pulled image is not a base for globex: the registry is asked again, without credentials');
  t.regex(push.stderr, /needs credentials/);
  t.false(push.stderr.includes('served-from-the-private-registry'));

  const wrong = await must(globex.tspaas(['registry:login', priv.host, '-u', PRIV.username, '--password-stdin', '-a', 'copycat'], dir, 'guessed\n'));
  t.regex(wrong.stdout, /Dockerfile builds of app copycat pull with it/);
  const refused = await globex.git(['push', 'tspaas', 'main'], dir);
  t.not(refused.code, 0);
  t.regex(refused.stderr, /refused the credentials/);
  await must(globex.tspaas(['registry:login', priv.host, '-u', PRIV.username, '--password-stdin', '-a', 'copycat'], dir, PRIV.password));
  const ok = await globex.git(['push', 'tspaas', 'main'], dir);
  t.is(ok.code, 0, ok.stderr);
  t.is((await viaRouter(world, 'copycat')).body.trim(), 'served-from-the-private-registry');
  await must(globex.tspaas(['registry:logout', priv.host, '-a', 'copycat'], dir));
  t.is((await must(globex.tspaas(['registry:list', '--json']))).stdout.trim(), '[]');
});

test.serial('bad logins are refused with a message: Docker Hub, a name that is no host, an empty password', async (t) => {
  const hub = await acme.tspaas(['registry:login', 'docker.io', '-u', 'x', '--password-stdin'], undefined, 'pw\n');
  t.regex(hub.stderr, /Docker Hub is reached only through the registry mirrors the operator configures \(tspaasd --registry-mirror URL\)/);
  const bad = await acme.tspaas(['registry:login', 'reg example.com', '-u', 'x', '--password-stdin'], undefined, 'pw\n');
  t.regex(bad.stderr, /"reg example\.com" is not a registry host/);
  const empty = await acme.tspaas(['registry:login', 'reg.example.com', '-u', 'x', '--password-stdin'], undefined, '\n');
  t.regex(empty.stderr, /the password read from stdin is empty/);
});
