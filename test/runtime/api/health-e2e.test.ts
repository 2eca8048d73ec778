/**
 * Healthchecks end to end (issue 16): a real engine behind the Engine API,
 * driven by dockerode and, when installed, the stock docker CLI. The cases
 * follow docker-py's tests/integration/api_healthcheck_test.py and moby's
 * integration/container/health_test.go (healthy, unhealthy, timeout, start
 * period, NONE, inherited from the image's HEALTHCHECK, events, ps), and
 * docker-compose 1.29's `depends_on: condition: service_healthy` when
 * Debian's docker-compose is installed (TSPAAS_REQUIRE_DOCKER_COMPOSE=1 turns
 * its absence into a failure).
 */
import test, { type ExecutionContext } from 'ava';
import type Docker from 'dockerode';
import { docker, withDockerCli } from './cli.js';
import { composeProject, withDockerCompose, type ComposeProject } from './compose.js';
import { demux } from './client.js';
import { buildDockerfile, serveTestEngine, type ServedEngine } from '../../helpers/engine-api.js';
import { startTestEngine } from '../../helpers/engine.js';

const S = 1e9;
let served: ServedEngine;

test.before(async () => {
  served = await serveTestEngine({ busybox: true });
  await build(served.client, 'hc-image', 'FROM busybox\nHEALTHCHECK --interval=1s --timeout=2s --start-interval=500ms --retries=1 CMD test -f /ok || (echo no /ok; exit 1)\n');
});
test.after.always(async () => { await served?.close(); });

interface Health { Status: string; FailingStreak: number; Log: { Start: string; End: string; ExitCode: number; Output: string }[] }

async function build(client: Docker, tag: string, dockerfile: string): Promise<void> {
  const failed = (await buildDockerfile(client, dockerfile, { t: tag })).find((m) => m.error);
  if (failed) throw new Error(`build of ${tag} failed: ${failed.error}`);
}

/** Poll until `check` returns a value (not undefined), or fail after `ms`. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function health(c: Docker.Container): Promise<Health | undefined> {
  return ((await c.inspect()).State as unknown as { Health?: Health }).Health;
}

function healthIs(c: Docker.Container, status: string): Promise<Health> {
  return waitFor(`health ${status}`, async () => {
    const h = await health(c);
    return h?.Status === status ? h : undefined;
  });
}

async function run(t: ExecutionContext, opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await served.client.createContainer({ Image: 'busybox', Cmd: ['sleep', '300'], ...opts });
  t.teardown(() => c.remove({ force: true }).catch(() => undefined));
  await c.start();
  return c;
}

async function healthEvents(id: string, since: number): Promise<string[]> {
  const until = Math.floor(Date.now() / 1000) + 1;
  const stream = await served.client.getEvents({ since, until, filters: { container: [id], event: ['health_status'] } }) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { Action: string }).Action);
}

async function psStatus(id: string, filters: Record<string, string[]> = {}): Promise<string | undefined> {
  const list = await served.client.listContainers({ filters: { id: [id], ...filters } });
  return list[0]?.Status;
}

test.serial('dockerode: a passing check goes starting → healthy; inspect, ps status, the health filter and a health_status event show it', async (t) => {
  const since = Math.floor(Date.now() / 1000);
  const c = await run(t, { Healthcheck: { Test: ['CMD-SHELL', 'echo "hello world"'], Interval: S, Timeout: S, Retries: 1 } });
  const info = await c.inspect();
  t.deepEqual(info.Config.Healthcheck, { Test: ['CMD-SHELL', 'echo "hello world"'], Interval: S, Timeout: S, Retries: 1 });
  t.is((await health(c))?.Status, 'starting', 'the first probe comes an interval after the start');
  t.regex(await psStatus(c.id) ?? '', /^Up .* \(health: starting\)$/);
  const h = await healthIs(c, 'healthy');
  t.is(h.FailingStreak, 0);
  t.like(h.Log[0], { ExitCode: 0, Output: 'hello world\n' });
  t.true(Date.parse(h.Log[0]!.End) >= Date.parse(h.Log[0]!.Start));
  t.regex(await psStatus(c.id) ?? '', /^Up .* \(healthy\)$/);
  t.truthy(await psStatus(c.id, { health: ['healthy'] }));
  t.is(await psStatus(c.id, { health: ['unhealthy'] }), undefined);
  t.is(await psStatus(c.id, { health: ['none'] }), undefined);
  t.deepEqual(await healthEvents(c.id, since), ['health_status: healthy']);
});

test.serial('dockerode: a failing check turns unhealthy after Retries failures in a row; its output and exit code are logged', async (t) => {
  const since = Math.floor(Date.now() / 1000);
  const c = await run(t, { Healthcheck: { Test: ['CMD-SHELL', 'echo oops >&2; exit 3'], Interval: S, Retries: 2 } });
  const h = await healthIs(c, 'unhealthy');
  t.true(h.FailingStreak >= 2);
  t.like(h.Log.at(-1), { ExitCode: 3, Output: 'oops\n' });
  t.regex(await psStatus(c.id) ?? '', /^Up .* \(unhealthy\)$/);
  t.truthy(await psStatus(c.id, { health: ['unhealthy'] }));
  t.deepEqual(await healthEvents(c.id, since), ['health_status: unhealthy']);
  // Docker's limitedBuffer: 4096 bytes, then "...".
  const long = await run(t, { Healthcheck: { Test: ['CMD', 'sh', '-c', 'head -c 5000 /dev/zero | tr "\\0" x; exit 1'], Interval: S, Retries: 1 } });
  const out = (await healthIs(long, 'unhealthy')).Log[0]!.Output;
  t.is(out, `${'x'.repeat(4096)}...`);
});

test.serial('dockerode: a probe that outlives its timeout is killed and fails with exit code -1 and dockerd\'s message', async (t) => {
  const c = await run(t, { Healthcheck: { Test: ['CMD', 'sleep', '30'], Interval: S, Timeout: 500_000_000, Retries: 1 } });
  const h = await healthIs(c, 'unhealthy');
  t.like(h.Log[0], { ExitCode: -1, Output: 'Health check exceeded timeout (500ms)' });
  t.true(Date.parse(h.Log[0]!.End) - Date.parse(h.Log[0]!.Start) < 5000, 'killed at the timeout, not after 30 s');
  await new Promise((r) => setTimeout(r, 2500)); // two more probes time out meanwhile
  const top = await c.top() as { Processes: string[][] };
  t.true(top.Processes.filter((p) => p.join(' ').includes('sleep 30')).length <= 1, 'timed-out probes are killed: they do not pile up');
});

test.serial('dockerode: failures within the start period do not count while starting (docker-py test_healthcheck_start_period)', async (t) => {
  const c = await run(t, {
    Healthcheck: { Test: ['CMD-SHELL', 'echo x >> /counter.txt && test `cat /counter.txt | wc -l` -ge 3'], Interval: S, Timeout: S, Retries: 1, StartPeriod: 30 * S, StartInterval: S },
  });
  const seen = await waitFor('two failed probes', async () => {
    const h = await health(c);
    return h && h.Log.length >= 2 ? h : undefined;
  });
  t.is(seen.Status, 'starting');
  t.is(seen.FailingStreak, 0);
  const h = await healthIs(c, 'healthy');
  t.is(h.Log.filter((r) => r.ExitCode !== 0).length, 2);
});

test.serial('dockerode: the image\'s HEALTHCHECK is inherited field by field; Test NONE disables it', async (t) => {
  const c = await run(t, { Image: 'hc-image' });
  t.deepEqual((await c.inspect()).Config.Healthcheck, { Test: ['CMD-SHELL', 'test -f /ok || (echo no /ok; exit 1)'], Interval: S, Timeout: 2 * S, StartInterval: 5e8, Retries: 1 });
  const bad = await healthIs(c, 'unhealthy');
  t.is(bad.Log.at(-1)!.Output, 'no /ok\n');
  const exec = await c.exec({ Cmd: ['touch', '/ok'], AttachStdout: true });
  await demux(await exec.start({ hijack: true, stdin: false }) as unknown as NodeJS.ReadableStream);
  await healthIs(c, 'healthy');

  const slower = await served.client.createContainer({ Image: 'hc-image', Cmd: ['sleep', '300'], Healthcheck: { Interval: 5 * S } });
  t.teardown(() => slower.remove({ force: true }).catch(() => undefined));
  t.deepEqual((await slower.inspect()).Config.Healthcheck, { Test: ['CMD-SHELL', 'test -f /ok || (echo no /ok; exit 1)'], Interval: 5 * S, Timeout: 2 * S, StartInterval: 5e8, Retries: 1 });

  const off = await run(t, { Image: 'hc-image', Healthcheck: { Test: ['NONE'] } });
  // dockerd's merge takes the image's other fields even with NONE; they are not used.
  t.deepEqual((await off.inspect()).Config.Healthcheck, { Test: ['NONE'], Interval: S, Timeout: 2 * S, StartInterval: 5e8, Retries: 1 });
  await new Promise((r) => setTimeout(r, 1500));
  t.is(await health(off), undefined, 'no State.Health');
  t.regex(await psStatus(off.id) ?? '', /^Up [^(]*$/);
  t.truthy(await psStatus(off.id, { health: ['none'] }));
});

test.serial('dockerode: pause suspends the probing, stop ends it and keeps the last health; a new start begins at starting again', async (t) => {
  const c = await run(t, { Healthcheck: { Test: ['CMD', 'true'], Interval: S, Retries: 1 } });
  await healthIs(c, 'healthy');
  await c.pause();
  const paused = await health(c);
  await new Promise((r) => setTimeout(r, 2500));
  t.deepEqual(await health(c), paused, 'no probe ran while paused');
  await c.unpause();
  await waitFor('a probe after unpause', async () => ((await health(c))!.Log.at(-1)!.Start > paused!.Log.at(-1)!.Start ? true : undefined));
  await c.stop({ t: 0 });
  const stopped = await health(c);
  await new Promise((r) => setTimeout(r, 2500));
  t.deepEqual(await health(c), stopped, 'no probe ran on the stopped container');
  t.is(stopped?.Status, 'healthy');
  await c.start();
  t.is((await health(c))?.Status, 'starting');
  t.true(((await healthIs(c, 'healthy')).Log.length) > stopped!.Log.length, 'the log goes on');
});

test.serial('dockerode: bad healthcheck settings are refused with dockerd\'s messages (moby TestCreateWithInvalidHealthcheckParams)', async (t) => {
  const count = async () => (await served.client.listContainers({ all: true })).length;
  const before = await count();
  const refused = async (Healthcheck: object, message: string) => {
    const err = await t.throwsAsync(served.client.createContainer({ Image: 'busybox', Cmd: ['true'], Healthcheck })) as Error & { statusCode: number };
    t.is(err.statusCode, 400);
    t.regex(err.message, new RegExp(message));
  };
  await refused({ Interval: -10_000_000, Timeout: S, Retries: 1000 }, 'Interval in Healthcheck cannot be less than 1ms');
  await refused({ Interval: 500_000, Timeout: S }, 'Interval in Healthcheck cannot be less than 1ms');
  await refused({ Interval: S, Timeout: -100_000_000 }, 'Timeout in Healthcheck cannot be less than 1ms');
  await refused({ Interval: S, Timeout: S, Retries: -1 }, 'Retries in Healthcheck cannot be negative');
  await refused({ StartPeriod: 100_000 }, 'StartPeriod in Healthcheck cannot be less than 1ms');
  await refused({ Test: ['HTTP', 'http://localhost'] }, 'unknown Healthcheck test type');
  t.is(await count(), before, 'no container was made');
});

test.serial('the engine: a running container\'s monitor resumes after an engine restart, from starting', async (t) => {
  const te = await startTestEngine(); // its own: the served engine stays open for the other tests
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox');
  // A 4 s interval: the reopened engine's first probe must not come before the read below, however slow the reopen on a loaded host.
  const c = await te.engine.createContainer({ image: 'busybox', cmd: ['sleep', '300'], healthcheck: { Test: ['CMD', 'true'], Interval: 4 * S, Retries: 1 } });
  await te.engine.startContainer(c.record.id);
  const status = async () => (await te.engine.getContainer(c.record.id)).state.health;
  await waitFor('healthy', async () => ((await status())?.status === 'healthy' ? true : undefined));
  const reopened = await te.reopen();
  t.is((await reopened.getContainer(c.record.id)).state.health?.status, 'starting');
  const before = (await status())!.log.length;
  const h = await waitFor('healthy again', async () => {
    const s = await status();
    return s?.status === 'healthy' ? s : undefined;
  });
  t.true(h.log.length > before || before === 5);
});

withDockerCli(() => {
  test.serial('docker CLI: --health-* flags, ps with (healthy) and --filter health=, inspect State.Health, --no-healthcheck', async (t) => {
    const cli = (args: string[]) => docker(served.socketPath, args);
    const r = await cli(['run', '-d', '--name', 'hc-cli', '--health-cmd', 'echo fine', '--health-interval', '1s', '--health-retries', '1', 'busybox', 'sleep', '300']);
    t.is(r.code, 0, r.stderr);
    t.teardown(() => cli(['rm', '-f', 'hc-cli']).then(() => undefined));
    await waitFor('healthy', async () => ((await cli(['inspect', '-f', '{{.State.Health.Status}}', 'hc-cli'])).stdout.trim() === 'healthy' ? true : undefined));
    const ps = await cli(['ps', '--filter', 'health=healthy', '--filter', 'name=hc-cli', '--format', '{{.Names}} {{.Status}}']);
    t.regex(ps.stdout.trim(), /^hc-cli Up .* \(healthy\)$/);
    const log = JSON.parse((await cli(['inspect', '-f', '{{json .State.Health.Log}}', 'hc-cli'])).stdout) as Health['Log'];
    t.like(log[0], { ExitCode: 0, Output: 'fine\n' });
    const off = await cli(['create', '--name', 'hc-cli-off', '--no-healthcheck', 'hc-image', 'sleep', '300']);
    t.is(off.code, 0, off.stderr);
    t.teardown(() => cli(['rm', '-f', 'hc-cli-off']).then(() => undefined));
    t.is((await cli(['inspect', '-f', '{{json .Config.Healthcheck}}', 'hc-cli-off'])).stdout.trim(), '{"Test":["NONE"],"Interval":1000000000,"Timeout":2000000000,"StartInterval":500000000,"Retries":1}');
    const bad = await cli(['run', '-d', '--health-interval', '500us', 'busybox', 'true']);
    t.not(bad.code, 0);
    t.regex(bad.stderr, /Interval in Healthcheck cannot be less than 1ms/);
  });
});

/** A compose project whose db turns healthy by `check` (or not); web depends on db being healthy. `down` at the end of the test. */
async function healthProject(t: ExecutionContext, name: string, check: string): Promise<ComposeProject> {
  const project = await composeProject(served.dir, served.socketPath, name, { 'docker-compose.yml': `version: "2.4"
services:
  db:
    image: busybox
    command: sh -c "sleep 2; touch /ready; exec sleep 300"
    healthcheck:
      test: ${check}
      interval: 1s
      retries: 2
  web:
    image: busybox
    command: sleep 300
    depends_on:
      db:
        condition: service_healthy
` });
  t.teardown(async () => { await project.run(['down', '--timeout', '0']); });
  return project;
}

async function composeService(project: string, service: string): Promise<Docker.ContainerInfo | undefined> {
  const list = await served.client.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`] } });
  return list[0];
}

withDockerCompose(() => {
  test.serial('docker-compose: depends_on service_healthy starts web only once db is healthy', async (t) => {
    const up = await (await healthProject(t, 'hcup', '["CMD", "test", "-f", "/ready"]')).run(['up', '-d']);
    t.is(up.code, 0, up.stderr);
    const db = await composeService('hcup', 'db');
    const web = await composeService('hcup', 'web');
    t.regex(db?.Status ?? '', /\(healthy\)$/);
    const dbHealth = await health(served.client.getContainer(db!.Id));
    const healthyAt = Date.parse(dbHealth!.Log.find((r) => r.ExitCode === 0)!.End);
    const webStarted = Date.parse((await served.client.getContainer(web!.Id).inspect()).State.StartedAt);
    t.true(webStarted >= healthyAt, `web started ${webStarted - healthyAt} ms after db's first successful check`);
  });

  test.serial('docker-compose: up fails and web is not started when db turns unhealthy', async (t) => {
    const up = await (await healthProject(t, 'hcbad', '["CMD", "false"]')).run(['up', '-d']);
    t.not(up.code, 0);
    t.regex(up.stderr, /unhealthy/);
    const web = await composeService('hcbad', 'web');
    t.not(web?.State, 'running');
  });
});
