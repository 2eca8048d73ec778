import test from 'ava';
import { toCreateOptions } from '../../../../runtime/api/docker/container-create.js';
import { isKind } from '../../../../lib/errors.js';

test('the docker CLI\'s run body becomes CreateOptions', (t) => {
  const opts = toCreateOptions({
    Image: 'busybox', Cmd: ['sh', '-c', 'echo hi'], Entrypoint: null, Env: ['A=1'], Hostname: 'box', Tty: true, OpenStdin: true, StdinOnce: true,
    Labels: { a: 'b' }, StopSignal: 'SIGINT', StopTimeout: 3, WorkingDir: '/tmp', User: '1000',
    HostConfig: {
      Binds: ['/srv:/data:ro', 'cache:/cache'], Tmpfs: { '/run': 'rw,size=64m' }, Memory: 64 << 20, CpuQuota: 50000, CpuPeriod: 100000,
      PidsLimit: 100, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, AutoRemove: true, NetworkMode: 'default',
      CapAdd: ['NET_ADMIN'], CapDrop: null, Privileged: false, ReadonlyRootfs: true,
    },
  }, 'web');
  t.deepEqual(opts, {
    name: 'web', image: 'busybox', cmd: ['sh', '-c', 'echo hi'], env: ['A=1'], hostname: 'box', tty: true, openStdin: true, stdinOnce: true,
    labels: { a: 'b' }, stopSignal: 'SIGINT', stopTimeout: 3, workingDir: '/tmp', user: '1000',
    mounts: [
      { type: 'bind', source: '/srv', target: '/data', readOnly: true },
      { type: 'volume', source: 'cache', target: '/cache', readOnly: false },
      { type: 'tmpfs', source: '', target: '/run', readOnly: false, options: ['size=64m'] },
    ],
    memory: 64 << 20, cpuQuota: 50_000, cpuPeriod: 100_000 /* issue 16: kept as given */, pidsLimit: 100, restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
    autoRemove: true, capAdd: ['NET_ADMIN'], readOnlyRootfs: true,
  });
});

test('`--entrypoint ""` clears the entrypoint; a string Cmd is one argument', (t) => {
  const opts = toCreateOptions({ Image: 'busybox', Entrypoint: [''], Cmd: 'ls' });
  t.deepEqual(opts.entrypoint, []);
  t.deepEqual(opts.cmd, ['ls']);
});

test('NanoCpus and network modes pass through; bridge means the default', (t) => {
  t.is(toCreateOptions({ Image: 'x', HostConfig: { NanoCpus: 1.5e9, NetworkMode: 'host' } }).nanoCpus, 1.5e9);
  t.is(toCreateOptions({ Image: 'x', HostConfig: { NetworkMode: 'host' } }).networkMode, 'host');
  t.is(toCreateOptions({ Image: 'x', HostConfig: { NetworkMode: 'none' } }).networkMode, 'none');
  t.is(toCreateOptions({ Image: 'x', HostConfig: { NetworkMode: 'bridge' } }).networkMode, undefined);
  t.is(toCreateOptions({ Image: 'x', HostConfig: { PidsLimit: -1 } }).pidsLimit, undefined);
  t.is(toCreateOptions({ Image: 'x', HostConfig: { CpuShares: 512 } }).cpuShares, 512);
  t.is(toCreateOptions({ Image: 'x', HostConfig: { CpuShares: 0 } }).cpuShares, undefined, 'CpuShares 0 = the default, as in Docker');
});

test('anonymous volumes get a generated name unless a bind covers them', (t) => {
  const opts = toCreateOptions({ Image: 'x', Volumes: { '/data': {}, '/srv': {} }, HostConfig: { Binds: ['/host:/srv'] } });
  t.is(opts.mounts!.length, 2);
  const anon = opts.mounts!.find((m) => m.target === '/data')!;
  t.is(anon.type, 'volume');
  t.regex(anon.source, /^[0-9a-f]{64}$/);
});

test('malformed requests are Invalid', (t) => {
  const bad = [
    undefined,
    {},
    { Image: 'x', HostConfig: { Binds: ['relative/path:/x'] } },
    { Image: 'x', HostConfig: { Binds: ['/a'] } },
    { Image: 'x', HostConfig: { Binds: ['/a:b'] } },
    { Image: 'x', HostConfig: { Binds: ['/a:/b:bogus'] } },
    { Image: 'x', HostConfig: { RestartPolicy: { Name: 'sometimes' } } },
    { Image: 'x', HostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } } },
    { Image: 'x', HostConfig: { Mounts: [{ Type: 'npipe', Target: '/x' }] } },
    // NanoCpus with CpuQuota: the engine refuses it (test/runtime/containers/limits.test.ts), as for any client.
    { Image: 'x', HostConfig: { MemorySwap: '1g' } },
    { Image: 'x', HostConfig: { CpusetCpus: 1 } },
    { Image: 'x', HostConfig: { OomKillDisable: 'yes' } },
  ];
  for (const body of bad) {
    const err = t.throws(() => toCreateOptions(body as never));
    t.true(isKind(err, 'Invalid'), JSON.stringify(body));
  }
});

test('HostConfig.Mounts objects', (t) => {
  const opts = toCreateOptions({ Image: 'x', HostConfig: { Mounts: [
    { Type: 'bind', Source: '/h', Target: '/c', ReadOnly: true },
    { Type: 'volume', Source: 'v', Target: '/v' },
    { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1777 } },
  ] } });
  t.deepEqual(opts.mounts, [
    { type: 'bind', source: '/h', target: '/c', readOnly: true },
    { type: 'volume', source: 'v', target: '/v', readOnly: false },
    { type: 'tmpfs', source: '', target: '/t', readOnly: false, options: ['size=1024', 'mode=1777'] },
  ]);
});

test('published ports become PortBindings: HostPort "" is a free port, 0.0.0.0 is every address, published ports are exposed', (t) => {
  const opts = toCreateOptions({
    Image: 'busybox', ExposedPorts: { '443/tcp': {} },
    HostConfig: {
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostIp: '', HostPort: '' }], '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }], '9000': null },
      PublishAllPorts: true,
    },
  });
  t.deepEqual(opts.portBindings, [
    { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
    { containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 0 },
    { containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 5353 },
  ]);
  t.true(opts.publishAllPorts);
  t.deepEqual(opts.exposedPorts, { '443/tcp': {}, '80/tcp': {}, '53/udp': {} });
  t.false('portBindings' in toCreateOptions({ Image: 'busybox', HostConfig: { PortBindings: {} } }));
});

test('port ranges, other protocols and IPv6 host addresses are refused with a clear 400', (t) => {
  const cases: Array<[Record<string, Array<{ HostIp?: string; HostPort?: string }>>, RegExp]> = [
    [{ '80/tcp': [{ HostPort: '8000-8001' }] }, /host port ranges are not supported/],
    [{ '80-81/tcp': [{ HostPort: '' }] }, /port ranges are not supported/],
    [{ '80/sctp': [{ HostPort: '' }] }, /only tcp and udp/],
    [{ '80/tcp': [{ HostIp: '::', HostPort: '' }] }, /only IPv4/],
    [{ '80/tcp': [{ HostPort: '70000' }] }, /invalid host port/],
    [{ 'x/tcp': [{ HostPort: '1' }] }, /invalid port/],
  ];
  for (const [PortBindings, message] of cases) {
    const err = t.throws(() => toCreateOptions({ Image: 'busybox', HostConfig: { PortBindings } }), { message });
    t.true(isKind(err, 'Invalid'));
  }
});

test('network mode, endpoints (aliases, fixed IP), links, DNS settings and extra hosts', (t) => {
  const opts = toCreateOptions({
    Image: 'busybox',
    HostConfig: {
      NetworkMode: 'backend', Links: ['db:database', '/cache:/web/kv', 'queue'], Dns: ['10.0.0.2'], DnsSearch: ['example.org'], DnsOptions: ['ndots:2'],
      ExtraHosts: ['gw:10.0.0.1', 'v6=::1'],
    },
    NetworkingConfig: { EndpointsConfig: { backend: { Aliases: ['api'], IPAMConfig: { IPv4Address: '10.9.0.5' } }, front: { Aliases: [], Links: ['db:primary'] } } },
  });
  t.is(opts.networkMode, 'backend');
  // On a user network, links (HostConfig's too, as dockerd) are the endpoint's, answered by its DNS responder.
  t.deepEqual(opts.networks, {
    backend: { aliases: ['api'], ipv4Address: '10.9.0.5', links: [{ container: 'db', alias: 'database' }, { container: 'cache', alias: 'kv' }, { container: 'queue', alias: 'queue' }] },
    front: { links: [{ container: 'db', alias: 'primary' }] },
  });
  t.is(opts.links, undefined);
  // On the default network they are legacy links (hosts entries and variables).
  const legacy = toCreateOptions({ Image: 'busybox', HostConfig: { Links: ['db:database'] }, NetworkingConfig: { EndpointsConfig: { bridge: { Links: ['/cache:/web/kv'] } } } });
  t.deepEqual(legacy.links, [{ container: 'db', alias: 'database' }, { container: 'cache', alias: 'kv' }]);
  t.deepEqual(legacy.networks, { bridge: {} });
  t.deepEqual(opts.dns, ['10.0.0.2']);
  t.deepEqual(opts.dnsSearch, ['example.org']);
  t.deepEqual(opts.dnsOptions, ['ndots:2']);
  t.deepEqual(opts.extraHosts, ['gw:10.0.0.1', 'v6:::1']);
});

test('the CLI\'s default network body adds nothing; unsupported network settings are refused', (t) => {
  const plain = toCreateOptions({ Image: 'x', HostConfig: { NetworkMode: 'bridge', Dns: [], DnsSearch: [], ExtraHosts: null, Links: null } });
  t.deepEqual(plain, { image: 'x', tty: false, openStdin: false, stdinOnce: false, mounts: [] });
  t.deepEqual(toCreateOptions({ Image: 'x', NetworkingConfig: { EndpointsConfig: { bridge: {} } } }).networks, { bridge: {} });
  const refused: Array<[object, RegExp]> = [
    [{ HostConfig: { NetworkMode: 'container:web' } }, /not supported/],
    [{ HostConfig: { ExtraHosts: ['gw:host-gateway'] } }, /host-gateway is not supported/],
    [{ HostConfig: { ExtraHosts: ['gw:not-an-ip'] } }, /invalid IP address/],
    [{ HostConfig: { Links: [':x'] } }, /invalid link/],
    [{ NetworkingConfig: { EndpointsConfig: { n: { MacAddress: '02:42:ac:11:00' } } } }, /invalid MAC address/],
    [{ MacAddress: '02:42:ac:11:00:02', HostConfig: { NetworkMode: 'none' } }, /mac-address and the network mode/],
    [{ NetworkingConfig: { EndpointsConfig: { n: { IPAMConfig: { IPv6Address: 'fd00::2' } } } } }, /IPv6/],
  ];
  for (const [body, message] of refused) {
    const err = t.throws(() => toCreateOptions({ Image: 'x', ...body }), { message });
    t.true(isKind(err, 'Invalid'), JSON.stringify(body));
  }
});

test('SecurityOpt passes through as given; an empty list is none', (t) => {
  const opts = ['seccomp=unconfined', 'no-new-privileges=false'];
  t.deepEqual(toCreateOptions({ Image: 'x', HostConfig: { SecurityOpt: opts } }).securityOpt, opts);
  t.is(toCreateOptions({ Image: 'x', HostConfig: { SecurityOpt: [] } }).securityOpt, undefined);
  t.is(toCreateOptions({ Image: 'x', HostConfig: { SecurityOpt: null } }).securityOpt, undefined);
});

test('HostConfig.LogConfig passes through; the docker CLI\'s empty one means the engine\'s defaults', (t) => {
  t.deepEqual(toCreateOptions({ Image: 'x', HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '5m' } } } }).logConfig, { type: 'json-file', config: { 'max-size': '5m' } });
  t.false('logConfig' in toCreateOptions({ Image: 'x', HostConfig: { LogConfig: { Type: '', Config: {} } } }));
  t.false('logConfig' in toCreateOptions({ Image: 'x', HostConfig: { LogConfig: { Type: '', Config: null } } }));
  const err = t.throws(() => toCreateOptions({ Image: 'x', HostConfig: { LogConfig: { Type: 'k8s-file', Config: { 'max-size': 5 } as never } } }));
  t.is((err as { kind?: string }).kind, 'Invalid');
});

test('Config.Healthcheck passes to the engine without its empty fields (omitempty); unknown fields are refused', (t) => {
  const opts = toCreateOptions({ Image: 'busybox', Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Timeout: 0, StartPeriod: 0, Retries: 1 } });
  t.deepEqual(opts.healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Retries: 1 });
  t.deepEqual(toCreateOptions({ Image: 'busybox', Healthcheck: { Test: ['NONE'] } }).healthcheck, { Test: ['NONE'] });
  t.is(toCreateOptions({ Image: 'busybox', Healthcheck: { Test: [], Interval: 0 } }).healthcheck, undefined, 'the image\'s');
  t.is(toCreateOptions({ Image: 'busybox', Healthcheck: null }).healthcheck, undefined);
  const err = t.throws(() => toCreateOptions({ Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], Intervall: 1e9 } as never }));
  t.true(isKind(err, 'Invalid'));
  t.regex(err?.message ?? '', /unknown field "Intervall"/);
  t.true(isKind(t.throws(() => toCreateOptions({ Image: 'busybox', Healthcheck: 'true' as never })), 'Invalid'));
});

test('issue 16: Runtime from HostConfig, or from the top level where docker-py 5.0.3 puts it; resource fields kept as given', (t) => {
  t.is(toCreateOptions({ Image: 'x', HostConfig: { Runtime: 'runc' } }).runtime, 'runc');
  t.is(toCreateOptions({ Image: 'x', Runtime: 'runc' }).runtime, 'runc');
  t.is(toCreateOptions({ Image: 'x', Runtime: 'runc', HostConfig: { Runtime: 'runc' } }).runtime, 'runc');
  t.true(isKind(t.throws(() => toCreateOptions({ Image: 'x', Runtime: 'runc', HostConfig: { Runtime: 'crun' } })), 'Invalid'));
  t.like(toCreateOptions({ Image: 'x', HostConfig: {
    MemorySwap: -1, MemoryReservation: 1 << 24, MemorySwappiness: 40, OomKillDisable: true, CpusetCpus: '0,1', CpusetMems: '0', BlkioWeight: 300,
  } }), { memorySwap: -1, memoryReservation: 1 << 24, memorySwappiness: 40, oomKillDisable: true, cpusetCpus: '0,1', cpusetMems: '0', blkioWeight: 300 });
  t.is(toCreateOptions({ Image: 'x', HostConfig: { MemorySwappiness: -1 } }).memorySwappiness, undefined, '-1 = the host\'s, as older clients send');
});

test('--mac-address: the endpoint\'s MacAddress, or Config.MacAddress (API < 1.44, docker-py 5) moved to the main network\'s endpoint', (t) => {
  t.deepEqual(toCreateOptions({ Image: 'x', MacAddress: '02:42:AC:11:00:0A' }).networks, { bridge: { macAddress: '02:42:ac:11:00:0a' } });
  t.deepEqual(toCreateOptions({ Image: 'x', MacAddress: '02:42:ac:11:00:0a', HostConfig: { NetworkMode: 'app' },
    NetworkingConfig: { EndpointsConfig: { app: { Aliases: ['web'] }, other: {} } } }).networks,
  { app: { aliases: ['web'], macAddress: '02:42:ac:11:00:0a' }, other: {} });
  // The docker CLI v28 sends both, the same.
  t.deepEqual(toCreateOptions({ Image: 'x', MacAddress: '02:42:ac:11:00:0a',
    NetworkingConfig: { EndpointsConfig: { bridge: { MacAddress: '02:42:ac:11:00:0a' } } } }).networks, { bridge: { macAddress: '02:42:ac:11:00:0a' } });
  t.throws(() => toCreateOptions({ Image: 'x', MacAddress: '02:42:ac:11:00:0a',
    NetworkingConfig: { EndpointsConfig: { bridge: { MacAddress: '02:42:ac:11:00:0b' } } } }), { message: /must match the endpoint-specific MAC address/ });
  t.is(toCreateOptions({ Image: 'x', MacAddress: '' }).networks, undefined);
});

test('nocopy: `-v name:/path:nocopy` and VolumeOptions.NoCopy mark the volume mount; on a bind it changes nothing', (t) => {
  const opts = toCreateOptions({ Image: 'x', HostConfig: {
    Binds: ['data:/data:ro,nocopy', 'plain:/plain'],
    Mounts: [{ Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true } }],
  } });
  t.deepEqual(opts.mounts, [
    { type: 'volume', source: 'data', target: '/data', readOnly: true, noCopy: true },
    { type: 'volume', source: 'plain', target: '/plain', readOnly: false },
    { type: 'volume', source: 'v', target: '/v', readOnly: false, noCopy: true },
  ]);
  t.deepEqual(toCreateOptions({ Image: 'x', HostConfig: { Binds: ['/srv:/srv:nocopy'] } }).mounts, [{ type: 'bind', source: '/srv', target: '/srv', readOnly: false }]);
});
