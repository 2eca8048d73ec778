/** Network commands, `container port` and the networking flags of run/create against a fake Engine API: argv → requests, answers → output. */
import test from 'ava';
import { cli, FakeApi } from './fake-api.js';

const ID = 'a'.repeat(64);
const NETS = [
  { Id: `${'b'.repeat(12)}${'0'.repeat(52)}`, Name: 'bridge', Driver: 'bridge', Scope: 'local', Internal: false, Labels: {} },
  { Id: `${'c'.repeat(12)}${'0'.repeat(52)}`, Name: 'backend', Driver: 'bridge', Scope: 'local', Internal: true, Labels: { team: 'a' } },
  { Id: `${'d'.repeat(12)}${'0'.repeat(52)}`, Name: 'host', Driver: 'host', Scope: 'local', Internal: false, Labels: {} },
];

async function fake(t: { teardown(fn: () => Promise<void>): void }, routes: ConstructorParameters<typeof FakeApi>[0]): Promise<FakeApi> {
  const api = await new FakeApi(routes).listen();
  t.teardown(() => api.close());
  return api;
}

test('network create: subnet, gateway, internal, labels and options become Docker\'s create body; prints the ID', async (t) => {
  const api = await fake(t, { 'POST /networks/create': { status: 201, json: { Id: ID, Warning: '' } } });
  const r = await cli(api.socketPath, ['network', 'create', '--subnet', '10.30.0.0/24', '--gateway', '10.30.0.254', '--internal',
    '--label', 'team=a', '--label', 'tier=db', '-o', 'com.docker.network.bridge.name=br-x', 'backend']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${ID}\n`);
  t.deepEqual(api.requests[0]!.body, {
    Name: 'backend', Internal: true, Labels: { team: 'a', tier: 'db' }, Options: { 'com.docker.network.bridge.name': 'br-x' },
    IPAM: { Driver: 'default', Config: [{ Subnet: '10.30.0.0/24', Gateway: '10.30.0.254' }] },
  });
});

test('network create without --subnet leaves IPAM to the engine; --gateway alone is refused before any request', async (t) => {
  const api = await fake(t, { 'POST /networks/create': { status: 201, json: { Id: ID } } });
  t.is((await cli(api.socketPath, ['network', 'create', 'plain'])).code, 0);
  t.deepEqual(api.requests[0]!.body, { Name: 'plain', Internal: false });
  const r = await cli(api.socketPath, ['network', 'create', '--gateway', '10.0.0.1', 'x']);
  t.is(r.code, 125);
  t.regex(r.stderr, /--gateway needs --subnet/);
  t.is(api.requests.length, 1);
});

test('network ls: docker\'s table sorted by name with short IDs; -q, --no-trunc, --filter, --json', async (t) => {
  const api = await fake(t, { 'GET /networks': { json: NETS } });
  const r = await cli(api.socketPath, ['network', 'ls']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, [
    'NETWORK ID     NAME      DRIVER    SCOPE',
    'cccccccccccc   backend   bridge    local',
    'bbbbbbbbbbbb   bridge    bridge    local',
    'dddddddddddd   host      host      local',
    '',
  ].join('\n'));
  t.is((await cli(api.socketPath, ['network', 'list', '-q'])).stdout, 'cccccccccccc\nbbbbbbbbbbbb\ndddddddddddd\n');
  t.is((await cli(api.socketPath, ['network', 'ls', '-q', '--no-trunc'])).stdout.split('\n')[0], NETS[1]!.Id);
  await cli(api.socketPath, ['network', 'ls', '--filter', 'label=team=a', '-f', 'driver=bridge']);
  t.is(api.requests.at(-1)!.query.get('filters'), JSON.stringify({ label: ['team=a'], driver: ['bridge'] }));
  const json = JSON.parse((await cli(api.socketPath, ['network', 'ls', '--json'])).stdout) as { Name: string }[];
  t.deepEqual(json.map((n) => n.Name), ['backend', 'bridge', 'host']);
});

test('network inspect: a JSON array like docker; a missing one fails with 1 after printing the others', async (t) => {
  const api = await fake(t, { 'GET /networks/backend': { json: NETS[1] }, 'GET /networks/nope': { status: 404, json: { message: 'network nope not found' } } });
  const r = await cli(api.socketPath, ['network', 'inspect', 'backend', 'nope']);
  t.is(r.code, 1);
  t.deepEqual(JSON.parse(r.stdout), [NETS[1]]);
  t.is(r.stderr, 'tspaas: network nope not found\n');
  t.is((await cli(api.socketPath, ['network', 'inspect', '-f', '{{.Driver}} {{.Internal}}', 'backend'])).stdout, 'bridge true\n');
});

test('network rm (alias remove): each name printed once removed; a network in use is reported and makes it fail', async (t) => {
  const api = await fake(t, {
    'DELETE /networks/old': { status: 204 },
    'DELETE /networks/busy': { status: 409, json: { message: 'error while removing network: network busy has active endpoints' } },
  });
  const r = await cli(api.socketPath, ['network', 'rm', 'old', 'busy']);
  t.is(r.code, 1);
  t.is(r.stdout, 'old\n');
  t.regex(r.stderr, /^tspaas: .*active endpoints\n$/);
  t.is((await cli(api.socketPath, ['network', 'remove', 'old'])).code, 0);
});

test('network connect and disconnect send the container, aliases, fixed IP and force', async (t) => {
  const api = await fake(t, { 'POST /networks/backend/connect': { status: 200 }, 'POST /networks/backend/disconnect': { status: 200 } });
  const c = await cli(api.socketPath, ['network', 'connect', '--alias', 'db', '--alias', 'pg', '--ip', '10.30.0.9', 'backend', 'web']);
  t.is(c.code, 0, c.stderr);
  t.is(c.stdout, '');
  t.deepEqual(api.requests[0]!.body, { Container: 'web', EndpointConfig: { Aliases: ['db', 'pg'], IPAMConfig: { IPv4Address: '10.30.0.9' } } });
  t.is((await cli(api.socketPath, ['network', 'connect', 'backend', 'web'])).code, 0);
  t.deepEqual(api.requests[1]!.body, { Container: 'web', EndpointConfig: {} });
  t.is((await cli(api.socketPath, ['network', 'disconnect', '-f', 'backend', 'web'])).code, 0);
  t.deepEqual(api.requests[2]!.body, { Container: 'web', Force: true });
  t.is((await cli(api.socketPath, ['network', 'connect', '--ip', 'nope', 'backend', 'web'])).code, 125);
});

test('network prune lists what it deleted', async (t) => {
  const api = await fake(t, { 'POST /networks/prune': [{ json: { NetworksDeleted: ['a', 'b'] } }, { json: { NetworksDeleted: null } }] });
  t.is((await cli(api.socketPath, ['network', 'prune', '-f'])).stdout, 'Deleted Networks:\na\nb\n');
  t.is((await cli(api.socketPath, ['network', 'prune', '-f'])).stdout, '');
});

test('container port prints docker port\'s lines from NetworkSettings.Ports; --json gives the bindings', async (t) => {
  const Ports = { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }], '443/tcp': null, '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }] };
  const api = await fake(t, { 'GET /containers/web/json': { json: { Id: ID, NetworkSettings: { Ports } } } });
  t.is((await cli(api.socketPath, ['container', 'port', 'web'])).stdout, '53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:32768\n');
  t.is((await cli(api.socketPath, ['container', 'port', 'web', '80'])).stdout, '0.0.0.0:32768\n');
  t.deepEqual(JSON.parse((await cli(api.socketPath, ['container', 'port', '--json', 'web'])).stdout), { '80/tcp': Ports['80/tcp'], '53/udp': Ports['53/udp'] });
  t.deepEqual(JSON.parse((await cli(api.socketPath, ['container', 'port', 'web', '53/udp', '--json'])).stdout), Ports['53/udp']);
  const none = await cli(api.socketPath, ['container', 'port', 'web', '443']);
  t.is(none.code, 1);
  t.is(none.stderr, 'tspaas: no public port \'443/tcp\' published for web\n');
});

test('container ls shows the PORTS column from the list\'s Ports', async (t) => {
  const list = [{
    Id: ID, Names: ['/web'], Image: 'busybox', Command: 'httpd -f', Created: Math.floor(Date.now() / 1000), Status: 'Up 1 second',
    Ports: [{ PrivatePort: 443, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
  }];
  const api = await fake(t, { 'GET /containers/json': { json: list } });
  const r = await cli(api.socketPath, ['container', 'ls']);
  t.regex(r.stdout, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES\n/);
  t.regex(r.stdout, /Up 1 second +0\.0\.0\.0:8080->80\/tcp, 443\/tcp +web\n$/);
});

test('run/create networking flags reach the create body', async (t) => {
  const api = await fake(t, { 'POST /containers/create': { status: 201, json: { Id: ID } } });
  const r = await cli(api.socketPath, ['container', 'create', '--net', 'backend', '--network-alias', 'web', '--ip', '10.30.0.5', '-P', '--expose', '8080',
    '-p', '127.0.0.1:8443:443', '--link', 'db', '--dns', '9.9.9.9', '--dns-search', 'corp', '--dns-option', 'ndots:1', '--add-host', 'gw:10.30.0.1',
    'busybox', 'httpd', '-p', '80']);
  t.is(r.code, 0, r.stderr);
  const body = api.requests[0]!.body as Record<string, unknown> & { HostConfig: Record<string, unknown> };
  t.deepEqual(body.Cmd, ['httpd', '-p', '80']);
  t.deepEqual(body.ExposedPorts, { '8080/tcp': {}, '443/tcp': {} });
  t.deepEqual(body.NetworkingConfig, { EndpointsConfig: { backend: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.30.0.5' } } } });
  const { NetworkMode, PublishAllPorts, PortBindings, Links, Dns, DnsSearch, DnsOptions, ExtraHosts } = body.HostConfig;
  t.deepEqual({ NetworkMode, PublishAllPorts, PortBindings, Links, Dns, DnsSearch, DnsOptions, ExtraHosts }, {
    NetworkMode: 'backend', PublishAllPorts: true, PortBindings: { '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }] },
    Links: ['db:db'], Dns: ['9.9.9.9'], DnsSearch: ['corp'], DnsOptions: ['ndots:1'], ExtraHosts: ['gw:10.30.0.1'],
  });
});
