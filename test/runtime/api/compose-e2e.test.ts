/**
 * Debian's docker-compose 1.29 end to end (issue 16) against a real engine
 * behind the Engine API, through three projects modelled on public compose
 * samples and adapted to the one image here (busybox: httpd, wget, sh):
 *
 * 1. docker/awesome-compose's nginx-golang (a proxy in front of a backend):
 *    the proxy reaches the backend by service name on the project's default
 *    network; ps, port, logs, exec, `up --scale backend=2`, down.
 * 2. Docker's "Get started with Docker Compose" counter app (web + Redis,
 *    both built from local Dockerfiles): the store's HEALTHCHECK and
 *    `depends_on: condition: service_healthy`; `up --build` after a source
 *    change recreates only the changed service; `down --rmi local`.
 * 3. Docker's getting-started "Use Docker Compose" todo app (app + MySQL on a
 *    named volume): the data survives `down` + `up`, an edited `environment:`
 *    recreates only that service (compose reads image inspect's
 *    ContainerConfig there), `run --rm`, and `down -v` removes the volume.
 * 4. The Compose specification's networks example (front-tier, back-tier):
 *    a service on both networks, network aliases, a migration job and
 *    `depends_on: condition: service_completed_successfully`, and the tiers
 *    isolated from each other.
 *
 * Tests are registered only when docker-compose is installed (compose.ts).
 */
import test, { type ExecutionContext } from 'ava';
import type Docker from 'dockerode';
import { composeProject, withDockerCompose, type ComposeProject } from './compose.js';
import { serveTestEngineFor, type ServedEngine } from '../../helpers/engine-api.js';

/** Run compose; the test fails with compose's stderr unless it exits 0. Returns stdout. */
async function ok(t: ExecutionContext, p: ComposeProject, args: string[]): Promise<string> {
  return (await succeed(t, p, args)).stdout;
}

/** `ok`, returning stderr too, where compose reports its progress ("Creating …", "… is up-to-date"). */
async function progress(t: ExecutionContext, p: ComposeProject, args: string[]): Promise<string> {
  const r = await succeed(t, p, args);
  return r.stdout + r.stderr;
}

async function succeed(t: ExecutionContext, p: ComposeProject, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await p.run(args);
  t.is(r.code, 0, `docker-compose ${args.join(' ')}: ${r.stderr}`);
  if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** The containers of one service of a project (by compose's labels), oldest first. */
async function containersOf(served: ServedEngine, project: string, service: string): Promise<Docker.ContainerInfo[]> {
  const list = await served.client.listContainers({
    all: true, filters: { label: [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`] },
  });
  return list.sort((a, b) => a.Created - b.Created);
}

/** The host port compose reports for a service's container port (`docker-compose port`). */
async function hostPort(t: ExecutionContext, p: ComposeProject, service: string, port: number): Promise<number> {
  const r = await p.run(['port', service, String(port)]);
  t.is(r.code, 0, r.stderr);
  const m = /:(\d+)\s*$/.exec(r.stdout);
  if (!m) throw new Error(`no host port for ${service}:${port} in ${JSON.stringify(r.stdout)}`);
  return Number(m[1]);
}

async function get(port: number, urlPath: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(10_000) });
  return res.text();
}

const short = (c: Docker.ContainerInfo) => c.Id.slice(0, 12);

const PROXY_BACKEND = {
  'docker-compose.yml': `version: "3.8"
services:
  backend:
    image: busybox
    init: true
    command: sh -c 'mkdir -p /www && hostname > /www/index.html && echo backend up && exec httpd -f -v -p 8080 -h /www'
  proxy:
    image: busybox
    init: true
    command: httpd -f -p 80 -h /www
    volumes:
      - ./proxy:/www:ro
    ports:
      - "80"
    depends_on:
      - backend
`,
  'proxy/cgi-bin/api': `#!/bin/sh
body=$(wget -qO- http://backend:8080/) || { printf 'Status: 502\\r\\n\\r\\nbackend unreachable\\n'; exit 0; }
printf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' "$body"
`,
};

const COUNTER = {
  'docker-compose.yml': `version: "3.8"
services:
  web:
    build: ./web
    init: true
    ports:
      - "80"
    depends_on:
      redis:
        condition: service_healthy
  redis:
    build: ./store
    init: true
`,
  'store/Dockerfile': `FROM busybox
COPY incr /www/cgi-bin/incr
RUN chmod +x /www/cgi-bin/incr && mkdir /data && echo 0 > /data/hits && echo ok > /www/ping
HEALTHCHECK --interval=1s --timeout=2s --retries=3 CMD wget -qO /dev/null http://127.0.0.1:6379/ping || exit 1
CMD ["sh", "-c", "echo store warming up; sleep 2; echo store ready; exec httpd -f -p 6379 -h /www"]
`,
  'store/incr': `#!/bin/sh
n=$(( $(cat /data/hits) + 1 ))
echo "$n" > /data/hits
printf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' "$n"
`,
  'web/Dockerfile': `FROM busybox
COPY index /www/cgi-bin/index
RUN chmod +x /www/cgi-bin/index
EXPOSE 80
CMD ["httpd", "-f", "-p", "80", "-h", "/www"]
`,
  'web/index': counterPage('Hello World!'),
};

function counterPage(greeting: string): string {
  return `#!/bin/sh
hits=$(wget -qO- http://redis:6379/cgi-bin/incr) || { printf 'Status: 502\\r\\n\\r\\nstore unreachable\\n'; exit 0; }
printf 'Content-Type: text/plain\\r\\n\\r\\n${greeting} I have been seen %s times.\\n' "$hits"
`;
}

function todoCompose(database: string): string {
  return `version: "3.8"
services:
  app:
    image: busybox
    init: true
    command: sleep 86400
    environment:
      MYSQL_HOST: mysql
    depends_on:
      - mysql
  mysql:
    image: busybox
    init: true
    command: sh -c 'echo "start $$MYSQL_DATABASE" >> /var/lib/mysql/starts && exec httpd -f -p 3306 -h /var/lib/mysql'
    environment:
      MYSQL_DATABASE: ${database}
    volumes:
      - todo-mysql-data:/var/lib/mysql
volumes:
  todo-mysql-data:
`;
}

const TIERS = {
  'docker-compose.yml': `version: "3.8"
services:
  db:
    image: busybox
    init: true
    command: httpd -f -p 80 -h /etc
    networks:
      back-tier:
        aliases: [database]
  migrate:
    image: busybox
    command: sh -c 'sleep 1; wget -qO- http://database/hostname && echo migrated'
    networks: [back-tier]
    depends_on: [db]
  app:
    image: busybox
    init: true
    command: httpd -f -p 80 -h /etc
    networks: [front-tier, back-tier]
    depends_on:
      migrate:
        condition: service_completed_successfully
  proxy:
    image: busybox
    init: true
    command: sleep 86400
    networks: [front-tier]
    depends_on: [app]
networks:
  front-tier:
  back-tier:
    internal: true
`,
};

withDockerCompose(() => {
  test.serial('nginx-golang shape: the proxy reaches the backend by service name; ps, port, logs, exec, scale, down', async (t) => {
    const served = await serveTestEngineFor(t, { busybox: true });
    const p = await composeProject(served.dir, served.socketPath, 'proxyapp', PROXY_BACKEND);
    await ok(t, p, ['up', '-d']);
    const [backend] = await containersOf(served, 'proxyapp', 'backend');
    const [proxy] = await containersOf(served, 'proxyapp', 'proxy');
    t.is(backend.State, 'running');
    t.deepEqual(Object.keys(backend.NetworkSettings.Networks), ['proxyapp_default']);
    const net = await served.client.getNetwork('proxyapp_default').inspect() as { Attachable: boolean; Labels: Record<string, string> };
    t.like(net, { Attachable: true, Labels: { 'com.docker.compose.network': 'default', 'com.docker.compose.project': 'proxyapp' } });

    const ps = await ok(t, p, ['ps']);
    t.regex(ps, /proxyapp_backend_1 .* Up/);
    t.regex(ps, /proxyapp_proxy_1 .* Up .*0\.0\.0\.0:\d+->80\/tcp/);
    t.is((await ok(t, p, ['exec', '-T', 'proxy', 'wget', '-qO-', 'http://127.0.0.1/cgi-bin/api'])).trim(), short(backend));
    t.is((await get(await hostPort(t, p, 'proxy', 80), '/cgi-bin/api')).trim(), short(backend), 'through the published port');
    const logs = await ok(t, p, ['logs', '--no-color', 'backend']);
    t.regex(logs, /backend_1 +\| backend up/);
    t.regex(logs, /backend_1 +\| .*response:200/);

    const scaled = await progress(t, p, ['up', '-d', '--scale', 'backend=2']);
    t.regex(scaled, /Creating proxyapp_backend_2/);
    t.regex(scaled, /proxyapp_proxy_1 is up-to-date/);
    const backends = await containersOf(served, 'proxyapp', 'backend');
    t.deepEqual(backends.map((c) => c.State), ['running', 'running']);
    t.is((await containersOf(served, 'proxyapp', 'proxy'))[0].Id, proxy.Id, 'the proxy is not recreated');
    // The service name now has two addresses, answered in a shuffled order (as Docker's resolver): 20 requests reach both.
    const answers = await ok(t, p, ['exec', '-T', 'proxy', 'sh', '-c', 'for i in $(seq 20); do wget -qO- http://127.0.0.1/cgi-bin/api; done']);
    t.deepEqual([...new Set(answers.trim().split('\n'))].sort(), backends.map(short).sort());

    await ok(t, p, ['down']);
    t.deepEqual(await served.client.listContainers({ all: true, filters: { label: ['com.docker.compose.project=proxyapp'] } }), []);
    t.deepEqual((await served.client.listNetworks({ filters: { name: ['proxyapp_default'] } })).map((n) => n.Name), []);
  });

  test.serial('counter app shape: build, HEALTHCHECK, depends_on service_healthy, up --build recreates what changed, down --rmi local', async (t) => {
    const served = await serveTestEngineFor(t, { busybox: true });
    const p = await composeProject(served.dir, served.socketPath, 'counter', COUNTER);
    const up = await progress(t, p, ['up', '-d']);
    t.regex(up, /Building redis[\s\S]*Building web/);
    const [redis] = await containersOf(served, 'counter', 'redis');
    const [web] = await containersOf(served, 'counter', 'web');
    const health = (await served.client.getContainer(redis.Id).inspect()).State.Health!;
    t.is(health.Status, 'healthy');
    const healthyAt = Date.parse(health.Log.find((r) => r.ExitCode === 0)!.End);
    const webStarted = Date.parse((await served.client.getContainer(web.Id).inspect()).State.StartedAt);
    t.true(webStarted >= healthyAt, `web started ${webStarted - healthyAt} ms after the store's first successful check`);
    const image = await served.client.getImage('counter_redis').inspect() as { Config: { Healthcheck?: { Test: string[] } } };
    t.deepEqual(image.Config.Healthcheck?.Test, ['CMD-SHELL', 'wget -qO /dev/null http://127.0.0.1:6379/ping || exit 1']);
    t.regex(await ok(t, p, ['ps']), /counter_redis_1 .* Up \(healthy\)/);

    const port = await hostPort(t, p, 'web', 80);
    t.is(await get(port, '/cgi-bin/index'), 'Hello World! I have been seen 1 times.\n');
    t.is(await get(port, '/cgi-bin/index'), 'Hello World! I have been seen 2 times.\n');
    t.regex(await ok(t, p, ['logs', '--no-color', 'redis']), /redis_1 +\| store warming up\n.*redis_1 +\| store ready/);

    await p.write('web/index', counterPage('Hello from tspaas!'));
    const rebuilt = await progress(t, p, ['up', '-d', '--build']);
    t.regex(rebuilt, /Recreating counter_web_1/);
    t.regex(rebuilt, /counter_redis_1 is up-to-date/, 'the store\'s build is cached: same image, not recreated');
    t.is((await containersOf(served, 'counter', 'redis'))[0].Id, redis.Id);
    t.not((await containersOf(served, 'counter', 'web'))[0].Id, web.Id);
    t.is(await get(await hostPort(t, p, 'web', 80), '/cgi-bin/index'), 'Hello from tspaas! I have been seen 3 times.\n');

    await ok(t, p, ['down', '--rmi', 'local']);
    const tags = (await served.client.listImages()).flatMap((i) => i.RepoTags ?? []);
    t.false(tags.some((tag) => tag.startsWith('counter_')), tags.join(' '));
    t.true(tags.includes('busybox:latest'), 'images compose did not build stay');
  });

  test.serial('todo app shape: a named volume outlives down + up, an env change recreates only that service, run --rm, down -v', async (t) => {
    const served = await serveTestEngineFor(t, { busybox: true });
    const p = await composeProject(served.dir, served.socketPath, 'todo', { 'docker-compose.yml': todoCompose('todos') });
    await ok(t, p, ['up', '-d']);
    await ok(t, p, ['exec', '-T', 'mysql', 'sh', '-c', 'echo buy milk >> /var/lib/mysql/todos']);
    const volume = await served.client.getVolume('todo_todo-mysql-data').inspect();
    t.like(volume.Labels, { 'com.docker.compose.project': 'todo', 'com.docker.compose.volume': 'todo-mysql-data' });

    await ok(t, p, ['down']);
    t.is((await served.client.getVolume('todo_todo-mysql-data').inspect()).Name, 'todo_todo-mysql-data', 'down keeps named volumes');
    await ok(t, p, ['up', '-d']);
    t.is(await ok(t, p, ['exec', '-T', 'app', 'wget', '-qO-', 'http://mysql:3306/todos']), 'buy milk\n');
    const [mysql] = await containersOf(served, 'todo', 'mysql');
    const [app] = await containersOf(served, 'todo', 'app');

    await p.write('docker-compose.yml', todoCompose('todos_v2'));
    const changed = await progress(t, p, ['up', '-d']);
    t.regex(changed, /Recreating todo_mysql_1/);
    t.regex(changed, /todo_app_1 is up-to-date/);
    t.not((await containersOf(served, 'todo', 'mysql'))[0].Id, mysql.Id);
    t.is((await containersOf(served, 'todo', 'app'))[0].Id, app.Id, 'the service whose config did not change is kept');
    t.is(await ok(t, p, ['exec', '-T', 'mysql', 'sh', '-c', 'echo "$MYSQL_DATABASE"']), 'todos_v2\n');
    t.is(await ok(t, p, ['exec', '-T', 'mysql', 'cat', '/var/lib/mysql/starts']), 'start todos\nstart todos\nstart todos_v2\n');

    const run = await p.run(['run', '--rm', '-T', 'app', 'sh', '-c', 'wget -qO- http://mysql:3306/todos; exit 3']);
    t.is(run.code, 3, run.stderr);
    t.is(run.stdout, 'buy milk\n');
    t.is((await containersOf(served, 'todo', 'app')).length, 1, 'run --rm removed its container');

    await ok(t, p, ['down', '-v']);
    t.deepEqual((await served.client.listVolumes()).Volumes.map((v) => v.Name), []);
    t.deepEqual(await served.client.listContainers({ all: true, filters: { label: ['com.docker.compose.project=todo'] } }), []);
  });

  test.serial('compose spec networks shape: two tiers, aliases, service_completed_successfully, tiers isolated', async (t) => {
    const served = await serveTestEngineFor(t, { busybox: true });
    const p = await composeProject(served.dir, served.socketPath, 'tiers', TIERS);
    await ok(t, p, ['up', '-d']);
    const [db] = await containersOf(served, 'tiers', 'db');
    const [migrate] = await containersOf(served, 'tiers', 'migrate');
    const [app] = await containersOf(served, 'tiers', 'app');
    t.is(await ok(t, p, ['logs', '--no-color', 'migrate']), `Attaching to tiers_migrate_1\nmigrate_1  | ${short(db)}\nmigrate_1  | migrated\n`);
    const migrated = (await served.client.getContainer(migrate.Id).inspect()).State;
    t.like(migrated, { Status: 'exited', ExitCode: 0 });
    const appStarted = Date.parse((await served.client.getContainer(app.Id).inspect()).State.StartedAt);
    t.true(appStarted >= Date.parse(migrated.FinishedAt), 'app started after the migration finished');
    t.deepEqual(Object.keys(app.NetworkSettings.Networks).sort(), ['tiers_back-tier', 'tiers_front-tier']);

    t.is(await ok(t, p, ['exec', '-T', 'app', 'wget', '-qO-', 'http://database/hostname']), `${short(db)}\n`, 'the alias on the back tier');
    t.is(await ok(t, p, ['exec', '-T', 'proxy', 'wget', '-qO-', 'http://app/hostname']), `${short(app)}\n`, 'the app on the front tier');
    const dbIp = db.NetworkSettings.Networks['tiers_back-tier'].IPAddress;
    const blocked = await p.run(['exec', '-T', 'proxy', 'sh', '-c', `nslookup database; wget -T 3 -qO- http://${dbIp}/hostname`]);
    t.not(blocked.code, 0, 'the front tier cannot reach the back tier');
    t.notRegex(blocked.stdout, new RegExp(short(db)));
    await ok(t, p, ['down']);
    t.deepEqual((await served.client.listNetworks({ filters: { label: ['com.docker.compose.project=tiers'] } })).map((n) => n.Name), []);
  });
});
