/**
 * Testcontainers for Node (the npm package `testcontainers`, 10.x: the major
 * that runs on the project's Node 20) against a real engine behind the Engine
 * API (issue 16): GenericContainer with its default wait strategy (a host
 * port check, plus an internal port check that execs shell commands in the
 * container and reads their exit codes), a health-check wait, a log-message
 * wait, and a user-defined network whose containers reach each other by alias.
 * The cases follow testcontainers-node's own tests
 * (packages/testcontainers/src/generic-container/generic-container.test.ts,
 * wait-strategies/*.test.ts, network/network.test.ts).
 */
import test, { type ExecutionContext } from 'ava';
import http from 'node:http';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { serveTestEngine, type ServedEngine } from '../../helpers/engine-api.js';

let served: ServedEngine;

test.before(async () => {
  served = await serveTestEngine({ busybox: true });
  // testcontainers reads its configuration from the environment when it first
  // talks to the runtime (not at import), and keeps that client for the whole
  // process: one engine for this file (ava runs each file in its own process).
  process.env.DOCKER_HOST = `unix://${served.socketPath}`;
  // Ryuk (the reaper that removes what a crashed test run leaves) is the image
  // testcontainers/ryuk on Docker Hub, which this machine cannot reach; the
  // tests stop and remove what they start in their teardown instead.
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
});
test.after.always(async () => { await served?.close(); });

const STARTUP_MS = 30_000;
const HTTPD = (port: number, page: string, log = '') =>
  ['sh', '-c', `mkdir -p /www && echo ${page} > /www/index.html && ${log ? `echo ${log} && ` : ''}exec httpd -f -p ${port} -h /www`];

/** Start `container`, stopped (and removed) when test `t` ends. */
async function started(t: ExecutionContext, container: GenericContainer): Promise<StartedTestContainer> {
  const c = await container.withStartupTimeout(STARTUP_MS).start();
  t.teardown(async () => { await c.stop({ timeout: 1 }); });
  return c;
}

/** GET http://host:port/ and the body. */
function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject).on('timeout', () => reject(new Error(`GET ${host}:${port}: timed out`)));
  });
}

test('GenericContainer with the default wait strategy: started once its port is bound, served through the mapped port', async (t) => {
  const c = await started(t, new GenericContainer('busybox').withCommand(HTTPD(8080, 'hello-from-testcontainers')).withExposedPorts(8080));
  const port = c.getMappedPort(8080);
  t.not(port, 8080);
  t.is((await get(c.getHost(), port)).trim(), 'hello-from-testcontainers');
  // What the internal port check ran (testcontainers' first command): the exit code says whether the port is listed.
  const bound = await c.exec(['/bin/sh', '-c', "cat /proc/net/tcp* | awk '{print $2}' | grep -i :1F90"]);
  t.is(bound.exitCode, 0, bound.output);
  const unbound = await c.exec(['/bin/sh', '-c', "cat /proc/net/tcp* | awk '{print $2}' | grep -i :1F91"]);
  t.is(unbound.exitCode, 1, unbound.output);
});

test('the default wait strategy does not start a container whose port is never bound, and removes it', async (t) => {
  // The host port check fails first here (the engine publishes ports with DNAT, without Docker's userland proxy
  // that accepts for a dead port); under Docker the internal check fails: either names a port "not bound".
  const label = { 'tspaas.test': `unbound-${process.pid}` };
  const list = () => served.client.listContainers({ all: true, filters: { label: ['tspaas.test'] } })
    .then((cs) => cs.filter((c) => c.Labels['tspaas.test'] === label['tspaas.test']));
  t.teardown(async () => { for (const c of await list()) await served.client.getContainer(c.Id).remove({ force: true }); });
  const start = new GenericContainer('busybox').withLabels(label).withCommand(['sleep', '300']).withExposedPorts(8080).withStartupTimeout(3000).start();
  await t.throwsAsync(start, { message: /^Port \d+ not bound after 3000ms$/ });
  t.deepEqual(await list(), []);
});

test('exec: a missing binary is exit code 127, as the port check expects of a shell-less image', async (t) => {
  const c = await started(t, new GenericContainer('busybox').withCommand(['sleep', '300']));
  const missing = await c.exec(['/bin/bash', '-c', '</dev/tcp/localhost/8080']);
  t.is(missing.exitCode, 127, missing.output);
});

test('Wait.forHealthCheck: starts once the container is healthy; an unhealthy one fails the start', async (t) => {
  const healthy = await started(t, new GenericContainer('busybox')
    .withCommand(['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 300'])
    .withHealthCheck({ test: ['CMD-SHELL', 'test -f /tmp/ready'], interval: 500, timeout: 2000, retries: 5 })
    .withWaitStrategy(Wait.forHealthCheck()));
  const state = (await served.client.getContainer(healthy.getId()).inspect()).State as unknown as { Health: { Status: string } };
  t.is(state.Health.Status, 'healthy');

  const sick = new GenericContainer('busybox')
    .withCommand(['sleep', '300'])
    .withHealthCheck({ test: ['CMD', 'false'], interval: 300, timeout: 2000, retries: 2 })
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(STARTUP_MS)
    .start();
  await t.throwsAsync(sick, { message: /Health check failed: unhealthy/ });
});

test('a Network: containers started with .withNetwork().withNetworkAliases() reach each other by alias, also after a restart', async (t) => {
  const network: StartedNetwork = await new Network().start();
  t.teardown(async () => { await network.stop(); });
  const db = await started(t, new GenericContainer('busybox')
    .withNetwork(network).withNetworkAliases('db')
    .withCommand(HTTPD(80, 'from-db', 'db-listening'))
    .withWaitStrategy(Wait.forLogMessage('db-listening')));
  const app = await started(t, new GenericContainer('busybox').withNetwork(network).withCommand(['sleep', '300']));
  const fetchDb = async () => {
    const reply = await app.exec(['wget', '-qO-', 'http://db/']);
    t.is(reply.exitCode, 0, reply.output);
    t.is(reply.output.trim(), 'from-db');
  };
  await fetchDb();
  const resolved = await app.exec(['nslookup', 'db']);
  t.true(resolved.output.includes(db.getIpAddress(network.getName())), resolved.output);
  // restart(): Docker's restart with t=0, then the log wait again on the logs since the new start.
  await db.restart();
  await fetchDb();
});
