/** The CLI end to end against a fake Engine API: argv → requests, answers → output and exit codes. */
import test from 'ava';
import { encodeFrame } from '../../cli/frames.js';
import { cli, FakeApi } from './fake-api.js';

const ID = 'f'.repeat(64);

test('create: flags become the create body; options after the image belong to the command', async (t) => {
  const api = await new FakeApi({ 'POST /containers/create': { status: 201, json: { Id: ID, Warnings: [] } } }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['container', 'create', '-it', '--name', 'web', '-m', '32m', '--restart', 'on-failure:2',
    '-v', 'data:/data', '-e', 'A=1', '--cpus', '0.5', 'busybox', 'sh', '-c', 'echo hi', '--name', 'not-mine']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${ID}\n`);
  const req = api.requests[0]!;
  t.is(req.query.get('name'), 'web');
  const body = req.body as Record<string, unknown> & { HostConfig: Record<string, unknown> };
  t.deepEqual(body.Cmd, ['sh', '-c', 'echo hi', '--name', 'not-mine']);
  t.true(body.Tty as boolean);
  t.true(body.OpenStdin as boolean);
  t.deepEqual(body.Env, ['A=1']);
  t.is(body.HostConfig.Memory, 32 * 1024 * 1024);
  t.is(body.HostConfig.NanoCpus, 5e8);
  t.deepEqual(body.HostConfig.Binds, ['data:/data']);
  t.deepEqual(body.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
});

test('create pulls a missing base image, showing progress on stderr, then retries', async (t) => {
  const api = await new FakeApi({
    'POST /containers/create': [{ status: 404, json: { message: 'No such image: busybox:latest' } }, { status: 201, json: { Id: ID } }],
    'POST /images/create': { text: '{"status":"Building base image busybox:latest"}\n{"status":"Downloaded newer image for busybox:latest"}\n' },
  }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['container', 'create', 'busybox']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(api.calls, ['POST /containers/create', 'POST /images/create', 'POST /containers/create']);
  t.is(api.requests[1]!.query.get('fromImage'), 'busybox');
  t.is(api.requests[1]!.query.get('tag'), 'latest');
  t.regex(r.stderr, /Unable to find image 'busybox' locally/);
  t.regex(r.stderr, /Building base image busybox:latest/);
});

test('run: create, attach, wait, start; output demuxed; exit code is the container\'s', async (t) => {
  const api = await new FakeApi({
    'POST /containers/create': { status: 201, json: { Id: ID } },
    [`POST /containers/${ID}/wait`]: (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      setTimeout(() => res.end('{"StatusCode":3}\n'), 50);
    },
    [`POST /containers/${ID}/start`]: { status: 204 },
  }, {
    [`POST /containers/${ID}/attach`]: (_req, socket) => {
      setTimeout(() => socket.end(Buffer.concat([encodeFrame('stdout', 'hi\n'), encodeFrame('stderr', 'oops\n')])), 20);
    },
  }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['container', 'run', '--rm', 'busybox', 'sh', '-c', 'echo hi; echo oops >&2; exit 3']);
  t.is(r.code, 3, r.stderr);
  t.is(r.stdout, 'hi\n');
  t.is(r.stderr, 'oops\n');
  t.deepEqual(api.calls, ['POST /containers/create', `POST /containers/${ID}/attach`, `POST /containers/${ID}/wait`, `POST /containers/${ID}/start`]);
  t.is(api.requests[2]!.query.get('condition'), 'removed');
  t.deepEqual((api.requests[0]!.body as { Cmd: string[] }).Cmd, ['sh', '-c', 'echo hi; echo oops >&2; exit 3']);
});

test('run -d prints the ID and does not attach', async (t) => {
  const api = await new FakeApi({ 'POST /containers/create': { status: 201, json: { Id: ID } }, [`POST /containers/${ID}/start`]: { status: 204 } }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['container', 'run', '-d', 'busybox', 'sleep', '10']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${ID}\n`);
  t.deepEqual(api.calls, ['POST /containers/create', `POST /containers/${ID}/start`]);
});

test('ps prints docker\'s table; --json prints the API data', async (t) => {
  const list = [{ Id: ID, Names: ['/web'], Image: 'busybox', Command: 'sh -c \'while true; do sleep 1; done\'', Created: Math.floor(Date.now() / 1000) - 120, Status: 'Up 2 minutes', Ports: [] }];
  const api = await new FakeApi({ 'GET /containers/json': { json: list } }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['container', 'ls', '-a']);
  t.is(r.code, 0, r.stderr);
  const [head, row] = r.stdout.split('\n');
  t.is(head, 'CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS         PORTS     NAMES');
  t.is(row, 'ffffffffffff   busybox   "sh -c \'while true; …"   2 minutes ago   Up 2 minutes             web');
  t.is(api.requests[0]!.query.get('all'), '1');
  const j = await cli(api.socketPath, ['container', 'ps', '--json']);
  t.deepEqual(JSON.parse(j.stdout), list);
  const g = await cli(api.socketPath, ['--json', 'container', 'ps', '-q']);
  t.deepEqual(JSON.parse(g.stdout), [ID]);
});

test('errors: the server message with "tspaas:", 125 for a failed command, 1 when some refs failed', async (t) => {
  const api = await new FakeApi({
    'GET /containers/nope/json': { status: 404, json: { message: 'No such container: nope' } },
    'POST /containers/nope/stop': { status: 404, json: { message: 'No such container: nope' } },
    'POST /containers/web/stop': { status: 204 },
  }).listen();
  t.teardown(() => api.close());
  const logs = await cli(api.socketPath, ['container', 'logs', 'nope']);
  t.is(logs.code, 125);
  t.is(logs.stderr, 'tspaas: No such container: nope\n');
  const stop = await cli(api.socketPath, ['container', 'stop', 'web', 'nope']);
  t.is(stop.code, 1);
  t.is(stop.stdout, 'web\n');
  t.is(stop.stderr, 'tspaas: No such container: nope\n');
});

test('usage errors exit 125; a missing daemon says how to start it', async (t) => {
  const bad = await cli('/nonexistent.sock', ['container', 'run']);
  t.is(bad.code, 125);
  t.regex(bad.stderr, /missing required argument 'image'/);
  const down = await cli('/nonexistent.sock', ['container', 'ps']);
  t.is(down.code, 125);
  t.regex(down.stderr, /^tspaas: cannot connect to the tspaas engine at unix:\/\/\/nonexistent.sock: is tspaasd running\? Start it with `tspaas up`/);
});

test('-H selects the socket', async (t) => {
  const api = await new FakeApi({ 'GET /volumes': { json: { Volumes: [{ Name: 'data', Driver: 'local' }] } } }).listen();
  t.teardown(() => api.close());
  const r = await cli('/nonexistent.sock', ['-H', `unix://${api.socketPath}`, 'volume', 'ls']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'DRIVER    VOLUME NAME\nlocal     data\n');
});

test('logs: since/tail/timestamps go to the query; output is demuxed', async (t) => {
  const api = await new FakeApi({
    [`GET /containers/${ID}/json`]: { json: { Id: ID, Config: { Tty: false } } },
    [`GET /containers/${ID}/logs`]: { text: Buffer.concat([encodeFrame('stdout', 'a\n'), encodeFrame('stderr', 'b\n')]).toString('latin1') },
  }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['container', 'logs', '--since', '1700000000', '-n', '5', '-t', ID]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'a\n');
  t.is(r.stderr, 'b\n');
  const q = api.requests[1]!.query;
  t.is(q.get('since'), '1700000000');
  t.is(q.get('tail'), '5');
  t.is(q.get('timestamps'), '1');
});

test('image ls shows one row per tag and <none> for dangling images', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const api = await new FakeApi({ 'GET /images/json': { json: [
    { Id: `sha256:${'a'.repeat(64)}`, RepoTags: ['busybox:latest', 'mine:1'], Created: now - 7200, Size: 4_260_000 },
    { Id: `sha256:${'b'.repeat(64)}`, RepoTags: [], Created: now - 60, Size: 0 },
  ] } }).listen();
  t.teardown(() => api.close());
  const r = await cli(api.socketPath, ['image', 'ls']);
  t.is(r.stdout, [
    'REPOSITORY   TAG       IMAGE ID       CREATED              SIZE',
    'busybox      latest    aaaaaaaaaaaa   2 hours ago          4.26MB',
    'mine         1         aaaaaaaaaaaa   2 hours ago          4.26MB',
    '<none>       <none>    bbbbbbbbbbbb   About a minute ago   0B',
    '',
  ].join('\n'));
});
