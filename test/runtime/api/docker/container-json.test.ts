import test from 'ava';
import { containerInspectJson, containerSummaryJson, statusText } from '../../../../runtime/api/docker/container-json.js';
import { endpointId } from '../../../../runtime/api/docker/network-json.js';
import type { Container, ContainerState } from '../../../../runtime/containers/types.js';
import type { Endpoint } from '../../../../runtime/network/types.js';

const NOW = Date.parse('2024-01-01T00:10:00Z');

function state(over: Partial<ContainerState>): ContainerState {
  return {
    status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '0001-01-01T00:00:00Z',
    finishedAt: '0001-01-01T00:00:00Z', restartCount: 0, stoppedByUser: false, ...over,
  };
}

const container: Container = {
  record: {
    id: 'a'.repeat(64), name: 'w', created: '2024-01-01T00:00:00Z', imageId: 'sha256:img', imageRef: 'busybox', snapshotParent: null, runtime: 'crun',
    config: { Hostname: 'aaaaaaaaaaaa', Tty: false, OpenStdin: false, StdinOnce: false, Image: 'busybox', Entrypoint: null, Cmd: ['sh', '-c', 'echo hi'], Env: ['PATH=/bin'] },
    options: { image: 'busybox', mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }], restartPolicy: { name: 'always', maximumRetryCount: 0 } },
  },
  state: state({ status: 'running', pid: 42, startedAt: '2024-01-01T00:09:55Z' }),
};

test('status text as docker ps prints it', (t) => {
  t.is(statusText(state({ status: 'running', startedAt: '2024-01-01T00:09:55Z' }), NOW), 'Up 5 seconds');
  t.is(statusText(state({ status: 'paused', startedAt: '2024-01-01T00:08:00Z' }), NOW), 'Up 2 minutes (Paused)');
  t.is(statusText(state({ status: 'exited', exitCode: 3, finishedAt: '2024-01-01T00:08:00Z' }), NOW), 'Exited (3) 2 minutes ago');
  t.is(statusText(state({ status: 'created' }), NOW), 'Created');
  t.is(statusText(state({ status: 'dead' }), NOW), 'Dead');
  // Healthchecks (issue 16): moby's State.String with Health.String.
  const up = { status: 'running' as const, startedAt: '2024-01-01T00:09:55Z' };
  t.is(statusText(state({ ...up, health: { status: 'starting', failingStreak: 0, log: [] } }), NOW), 'Up 5 seconds (health: starting)');
  t.is(statusText(state({ ...up, health: { status: 'healthy', failingStreak: 0, log: [] } }), NOW), 'Up 5 seconds (healthy)');
  t.is(statusText(state({ ...up, health: { status: 'unhealthy', failingStreak: 3, log: [] } }), NOW), 'Up 5 seconds (unhealthy)');
  t.is(statusText(state({ status: 'exited', exitCode: 0, finishedAt: '2024-01-01T00:08:00Z', health: { status: 'healthy', failingStreak: 0, log: [] } }), NOW), 'Exited (0) 2 minutes ago');
});

test('ps JSON', (t) => {
  t.like(containerSummaryJson(container, NOW), {
    Id: 'a'.repeat(64), Names: ['/w'], Image: 'busybox', ImageID: 'sha256:img', Command: 'sh -c echo hi', Created: 1704067200,
    State: 'running', Status: 'Up 5 seconds', Labels: {}, Ports: [], HostConfig: { NetworkMode: 'default' },
  });
});

test('inspect JSON', (t) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- inspect JSON is untyped by design
  const j = containerInspectJson(container) as Record<string, any>;
  t.is(j.Name, '/w');
  t.is(j.Path, 'sh');
  t.deepEqual(j.Args, ['-c', 'echo hi']);
  t.like(j.State, { Status: 'running', Running: true, Paused: false, Pid: 42, ExitCode: 0, StartedAt: '2024-01-01T00:09:55Z' });
  t.like(j.HostConfig, { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, Binds: ['data:/data'], NetworkMode: 'default', AutoRemove: false });
  t.like(j.Mounts[0], { Type: 'volume', Name: 'data', Destination: '/data', RW: true });
  t.like(j.Config, { Tty: false, Cmd: ['sh', '-c', 'echo hi'], Image: 'busybox', Hostname: 'aaaaaaaaaaaa' });
  t.like(j.NetworkSettings, { SandboxKey: '', IPAddress: '', Ports: {} });
  t.like(j.NetworkSettings.Networks.bridge, { NetworkID: '', IPAddress: '', EndpointID: '' }, 'configured for the default network, not attached');
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Docker JSON is untyped by design
type Json = Record<string, any>;

const BRIDGE_ID = '1'.repeat(64);
const BACK_ID = '2'.repeat(64);
const endpoint = (over: Partial<Endpoint>): Endpoint => ({
  networkId: BRIDGE_ID, networkName: 'bridge', ifname: 'eth0', ipAddress: '10.88.0.5', prefixLen: 24, gateway: '10.88.0.1', macAddress: '02:42:0a:58:00:05', aliases: [], ...over,
});

const web: Container = {
  record: {
    ...container.record,
    config: { ...container.record.config, ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {} } },
    options: {
      image: 'busybox', networks: { bridge: {}, backend: { aliases: ['api'], ipv4Address: '10.89.1.7' } }, publishAllPorts: true,
      portBindings: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 }, { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 0 }],
      links: [{ container: 'db', alias: 'database' }], dns: ['10.0.0.2'], extraHosts: ['gw:10.0.0.1'],
    },
  },
  state: container.state,
  network: {
    netns: '/run/tspaas/network/netns/aaaa',
    endpoints: [
      endpoint({}),
      endpoint({ networkId: BACK_ID, networkName: 'backend', ifname: 'eth1', ipAddress: '10.89.1.7', gateway: '10.89.1.1', macAddress: '02:42:0a:59:01:07', aliases: ['api'] }),
    ],
    ports: [
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 32768 },
    ],
  },
};

test('inspect NetworkSettings of a running container: default-network fields on top, every endpoint, published and exposed ports', (t) => {
  const ns = (containerInspectJson(web) as Json).NetworkSettings;
  t.like(ns, {
    Bridge: '', SandboxKey: '/run/tspaas/network/netns/aaaa', IPAddress: '10.88.0.5', IPPrefixLen: 24, Gateway: '10.88.0.1', MacAddress: '02:42:0a:58:00:05',
    EndpointID: endpointId(BRIDGE_ID, web.record.id),
  });
  t.regex(ns.SandboxID, /^[0-9a-f]{64}$/);
  t.deepEqual(ns.Ports, {
    '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
    '443/tcp': null,
    '53/udp': [{ HostIp: '0.0.0.0', HostPort: '32768' }],
  });
  t.like(ns.Networks.bridge, { NetworkID: BRIDGE_ID, IPAddress: '10.88.0.5', IPPrefixLen: 24, Gateway: '10.88.0.1', Aliases: null, DNSNames: null, IPAMConfig: null });
  t.like(ns.Networks.backend, {
    NetworkID: BACK_ID, EndpointID: endpointId(BACK_ID, web.record.id), IPAddress: '10.89.1.7', Gateway: '10.89.1.1', MacAddress: '02:42:0a:59:01:07',
    Aliases: ['api'], IPAMConfig: { IPv4Address: '10.89.1.7' },
  });
  t.deepEqual(ns.Networks.backend.DNSNames, ['w', 'api', 'aaaaaaaaaaaa']);
});

test('inspect HostConfig networking fields as created', (t) => {
  const hc = (containerInspectJson(web) as Json).HostConfig;
  t.like(hc, { NetworkMode: 'default', PublishAllPorts: true, Links: ['/db:/w/database'], Dns: ['10.0.0.2'], DnsSearch: [], DnsOptions: [], ExtraHosts: ['gw:10.0.0.1'] });
  t.deepEqual(hc.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': [{ HostIp: '', HostPort: '' }] });
});

test('a stopped container shows its configured networks with empty addresses and no ports, even while its sandbox is still being torn down', (t) => {
  const stopped: Container = { ...web, state: state({ status: 'exited' }) };
  const ns = (containerInspectJson(stopped, new Map([['bridge', BRIDGE_ID], ['backend', BACK_ID]])) as Json).NetworkSettings;
  t.like(ns, { SandboxKey: '', IPAddress: '', Ports: {} });
  t.deepEqual(Object.keys(ns.Networks), ['bridge', 'backend']);
  t.like(ns.Networks.backend, { NetworkID: BACK_ID, EndpointID: '', IPAddress: '', Aliases: ['api'], IPAMConfig: { IPv4Address: '10.89.1.7' } });
  t.deepEqual(containerSummaryJson(stopped, NOW), { ...containerSummaryJson(stopped, NOW), Ports: [] });
  const host: Container = { ...stopped, record: { ...stopped.record, options: { image: 'x', networkMode: 'host' } } };
  t.deepEqual(Object.keys((containerInspectJson(host) as Json).NetworkSettings.Networks), ['host']);
});

test('ps Ports and Networks of a running container', (t) => {
  const j = containerSummaryJson(web, NOW) as Json;
  t.deepEqual(j.Ports, [
    { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    { PrivatePort: 443, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 53, PublicPort: 32768, Type: 'udp' },
  ]);
  t.deepEqual(Object.keys(j.NetworkSettings.Networks), ['bridge', 'backend']);
  t.is(j.NetworkSettings.Networks.backend.IPAddress, '10.89.1.7');
});
