import test from 'ava';
import { endpointId, filterNetworks, networkJson, toCreateNetworkOptions, toEndpointRequest } from '../../../../runtime/api/docker/network-json.js';
import { isKind } from '../../../../lib/errors.js';
import type { NetworkInfo } from '../../../../runtime/types.js';

const base = { internal: false, labels: {}, options: {}, created: '2024-01-01T00:00:00Z', isDefault: false, containers: [] };
const bridge: NetworkInfo = { ...base, id: 'b'.repeat(64), name: 'bridge', driver: 'bridge', bridge: 'tspaas0', subnet: '10.88.0.0/24', gateway: '10.88.0.1', isDefault: true };
const host: NetworkInfo = { ...base, id: 'h'.repeat(64), name: 'host', driver: 'host', bridge: '', subnet: '', gateway: '' };
const none: NetworkInfo = { ...base, id: 'n'.repeat(64), name: 'none', driver: 'null', bridge: '', subnet: '', gateway: '' };
const backend: NetworkInfo = {
  ...base, id: 'c0ffee'.padEnd(64, '0'), name: 'backend', driver: 'bridge', bridge: 'tsp-c0ffee00', subnet: '10.89.1.0/24', gateway: '10.89.1.1',
  internal: true, labels: { tier: 'db' },
  containers: [{
    containerId: 'a'.repeat(64), name: 'web',
    endpoint: { networkId: 'c0ffee'.padEnd(64, '0'), networkName: 'backend', ifname: 'eth0', ipAddress: '10.89.1.2', prefixLen: 24, gateway: '10.89.1.1', macAddress: '02:42:0a:59:01:02', aliases: [] },
  }],
};
const empty: NetworkInfo = { ...backend, id: 'e'.repeat(64), name: 'spare', internal: false, labels: {}, containers: [] };
const all = [bridge, host, none, backend, empty];

test('inspect JSON: IPAM config, flags, containers with their IPv4Address as ip/prefix', (t) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Docker JSON is untyped by design
  const j = networkJson(backend) as Record<string, any>;
  t.like(j, {
    Name: 'backend', Id: backend.id, Created: '2024-01-01T00:00:00Z', Scope: 'local', Driver: 'bridge', EnableIPv6: false, Internal: true,
    Attachable: false, Ingress: false, ConfigOnly: false, ConfigFrom: { Network: '' }, Options: {}, Labels: { tier: 'db' },
  });
  t.deepEqual(j.IPAM, { Driver: 'default', Options: null, Config: [{ Subnet: '10.89.1.0/24', Gateway: '10.89.1.1' }] });
  t.deepEqual(j.Containers, {
    ['a'.repeat(64)]: { Name: 'web', EndpointID: endpointId(backend.id, 'a'.repeat(64)), MacAddress: '02:42:0a:59:01:02', IPv4Address: '10.89.1.2/24', IPv6Address: '' },
  });
  t.regex(j.Containers['a'.repeat(64)].EndpointID, /^[0-9a-f]{64}$/);
  t.deepEqual((networkJson(backend, false) as { Containers: object }).Containers, {}, 'the list shows no containers, as dockerd since API 1.28');
  t.deepEqual((networkJson(host) as { IPAM: object }).IPAM, { Driver: 'default', Options: null, Config: [] });
  t.is((networkJson(none) as { Driver: string }).Driver, 'null');
  t.like(networkJson(bridge), { Options: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.name': 'tspaas0' } });
});

test('network ls filters', (t) => {
  const names = (f: Record<string, string[]>) => filterNetworks(all, f).map((n) => n.name);
  t.deepEqual(names({}), ['bridge', 'host', 'none', 'backend', 'spare']);
  t.deepEqual(names({ name: ['ack'] }), ['backend']);
  t.deepEqual(names({ id: ['c0ffee'] }), ['backend']);
  t.deepEqual(names({ driver: ['null', 'host'] }), ['host', 'none']);
  t.deepEqual(names({ label: ['tier=db'] }), ['backend']);
  t.deepEqual(names({ label: ['tier'] }), ['backend']);
  t.deepEqual(names({ type: ['custom'] }), ['backend', 'spare']);
  t.deepEqual(names({ type: ['builtin'] }), ['bridge', 'host', 'none']);
  t.deepEqual(names({ dangling: ['true'] }), ['spare']);
  t.deepEqual(names({ dangling: ['false'] }), ['bridge', 'host', 'none', 'backend']);
  t.deepEqual(names({ scope: ['swarm'] }), []);
  const bad: Array<Record<string, string[]>> = [{ type: ['other'] }, { dangling: ['maybe'] }, { bogus: ['x'] }];
  for (const f of bad) {
    t.true(isKind(t.throws(() => filterNetworks(all, f)), 'Invalid'), JSON.stringify(f));
  }
});

test('network create bodies: the CLI\'s with and without --subnet, --internal, labels', (t) => {
  t.deepEqual(toCreateNetworkOptions({ Name: 'n1', Driver: 'bridge', CheckDuplicate: true, IPAM: { Driver: 'default', Config: [], Options: {} }, Options: {}, Labels: {} }), {
    name: 'n1', driver: 'bridge', labels: {}, options: {},
  });
  t.deepEqual(toCreateNetworkOptions({
    Name: 'n2', Internal: true, IPAM: { Driver: 'default', Config: [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.254' }] }, Labels: { a: 'b' }, Options: { mtu: '1400' },
  }), { name: 'n2', subnet: '10.99.0.0/24', gateway: '10.99.0.254', internal: true, labels: { a: 'b' }, options: { mtu: '1400' } });
  // docker-py's test_create_network_with_ipam_config body.
  t.deepEqual(toCreateNetworkOptions({
    Name: 'n3', IPAM: { Driver: 'default', Config: [{ Subnet: '172.28.0.0/16', IPRange: '172.28.5.0/24', Gateway: '172.28.5.254', AuxiliaryAddresses: { a: '172.28.1.5' } }] },
  }), { name: 'n3', subnet: '172.28.0.0/16', gateway: '172.28.5.254', ipRange: '172.28.5.0/24', auxAddresses: { a: '172.28.1.5' } });
});

test('network create refuses what it cannot honour, with a clear Invalid', (t) => {
  const cases: Array<[object, RegExp]> = [
    [{}, /name is required/],
    [{ Name: 'x', EnableIPv6: true }, /IPv6/],
    [{ Name: 'x', IPAM: { Driver: 'dhcp' } }, /IPAM driver/],
    [{ Name: 'x', IPAM: { Config: [{ Subnet: '10.1.0.0/24' }, { Subnet: '10.2.0.0/24' }] } }, /only one IPAM config/],
    [{ Name: 'x', IPAM: { Config: [{ IPRange: '10.1.0.0/25' }] } }, /IP range \(--ip-range\) needs a subnet/],
    [{ Name: 'x', IPAM: { Config: [{ AuxiliaryAddresses: { a: '10.1.0.5' } }] } }, /aux addresses \(--aux-address\) need a subnet/],
    [{ Name: 'x', IPAM: { Config: [{ Subnet: 'fd00::/64' }] } }, /IPv6 subnets/],
    [{ Name: 'x', Ingress: true }, /swarm/],
    [{ Name: 'x', ConfigOnly: true }, /swarm/],
    [{ Name: 'x', ConfigFrom: { Network: 'cfg' } }, /swarm/],
    [{ Name: 'x', Scope: 'swarm' }, /scope/],
  ];
  for (const [body, message] of cases) {
    const err = t.throws(() => toCreateNetworkOptions(body), { message });
    t.true(isKind(err, 'Invalid'));
  }
  t.true(isKind(t.throws(() => toCreateNetworkOptions(undefined)), 'Invalid'));
});

test('Attachable on a local network is kept and shown, as a non-swarm dockerd does (docker-compose 1.29 sets it on every network)', (t) => {
  // The body docker-compose 1.29 sends for a project's default network (docker-py 5's create_network).
  const body = {
    Name: 'counter_default', Driver: null, Options: null, IPAM: null, CheckDuplicate: true, Attachable: true,
    Labels: { 'com.docker.compose.network': 'default', 'com.docker.compose.project': 'counter', 'com.docker.compose.version': '1.29.2' },
  } as unknown as Parameters<typeof toCreateNetworkOptions>[0];
  const opts = toCreateNetworkOptions(body);
  t.like(opts, { name: 'counter_default', attachable: true });
  t.is(opts.driver, undefined);
  t.like(networkJson({ ...empty, attachable: true }), { Attachable: true, Ingress: false, ConfigOnly: false });
  t.is(toCreateNetworkOptions({ Name: 'plain', Attachable: false }).attachable, undefined, 'not attachable is not stored');
});

test('endpoint settings: aliases and a fixed IPv4 address; the rest is refused', (t) => {
  t.deepEqual(toEndpointRequest({ Aliases: ['db', 'pg'], IPAMConfig: { IPv4Address: '10.1.0.9' } }), { aliases: ['db', 'pg'], ipv4Address: '10.1.0.9' });
  t.deepEqual(toEndpointRequest({ Aliases: null, IPAMConfig: null, Links: null, MacAddress: '' }), {});
  t.deepEqual(toEndpointRequest(null), {});
  t.deepEqual(toEndpointRequest({ Links: ['a:b', 'c'], DriverOpts: { 'com.docker-py.setting': 'on' }, IPAMConfig: { LinkLocalIPs: ['169.254.8.8'] } }), {
    links: [{ container: 'a', alias: 'b' }, { container: 'c', alias: 'c' }], driverOpts: { 'com.docker-py.setting': 'on' }, linkLocalIps: ['169.254.8.8'],
  });
  t.throws(() => toEndpointRequest({ IPAMConfig: { LinkLocalIPs: ['10.0.0.1'] } }), { message: /invalid link-local IP address/ });
  t.throws(() => toEndpointRequest({ IPAMConfig: { LinkLocalIPs: ['fe80::1'] } }), { message: /IPv6/ });
});
