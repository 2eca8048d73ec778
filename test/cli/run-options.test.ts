import test from 'ava';
import {
  buildCreateRequest, parseCpus, parseEnv, parseExpose, parseExtraHost, parseLink, parseNetworking, parsePorts, parseRestartPolicy, parseVolume,
  type ParseEnv,
} from '../../cli/run-options.js';
import { parseSecurityOpts } from '../../cli/security-opt.js';

const penv = (files: Record<string, string> = {}, env: Record<string, string> = {}): ParseEnv => ({
  cwd: '/home/me/app',
  env,
  readFile: (f) => {
    if (!(f in files)) throw new Error(`ENOENT ${f}`);
    return files[f]!;
  },
});

test('cpus become nano-CPUs', (t) => {
  t.is(parseCpus('1.5'), 1_500_000_000);
  t.is(parseCpus('0.25'), 250_000_000);
  t.throws(() => parseCpus('0'));
  t.throws(() => parseCpus('abc'));
});

test('restart policies', (t) => {
  t.deepEqual(parseRestartPolicy('no'), { Name: 'no', MaximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('always'), { Name: 'always', MaximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('unless-stopped'), { Name: 'unless-stopped', MaximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('on-failure'), { Name: 'on-failure', MaximumRetryCount: 0 });
  t.deepEqual(parseRestartPolicy('on-failure:5'), { Name: 'on-failure', MaximumRetryCount: 5 });
  t.throws(() => parseRestartPolicy('always:3'), { message: /takes no retry count/ });
  t.throws(() => parseRestartPolicy('sometimes'), { message: /invalid restart policy/ });
  t.throws(() => parseRestartPolicy('on-failure:x'));
});

test('-v forms: bind, relative bind, named volume, anonymous volume, options', (t) => {
  t.deepEqual(parseVolume('/srv/data:/data', '/cwd'), { bind: '/srv/data:/data' });
  t.deepEqual(parseVolume('/srv/data:/data:ro', '/cwd'), { bind: '/srv/data:/data:ro' });
  t.deepEqual(parseVolume('./conf:/etc/app:ro', '/home/me'), { bind: '/home/me/conf:/etc/app:ro' });
  t.deepEqual(parseVolume('../x:/x', '/home/me'), { bind: '/home/x:/x' });
  t.deepEqual(parseVolume('pgdata:/var/lib/postgresql', '/cwd'), { bind: 'pgdata:/var/lib/postgresql' });
  t.deepEqual(parseVolume('cache:/cache:rw', '/cwd'), { bind: 'cache:/cache:rw' });
  t.deepEqual(parseVolume('/scratch', '/cwd'), { anonymous: '/scratch' });
  t.throws(() => parseVolume('/a:relative', '/cwd'), { message: /must be absolute/ });
  t.throws(() => parseVolume('/a:/b:bogus', '/cwd'), { message: /invalid volume option/ });
  t.throws(() => parseVolume('/a:/b:ro,rw', '/cwd'), { message: /both ro and rw/ });
  t.throws(() => parseVolume('bad name:/b', '/cwd'), { message: /invalid volume name/ });
  t.throws(() => parseVolume('a:/b:ro:x', '/cwd'));
});

test('env: files first, then -e; bare names come from the local environment', (t) => {
  const files = { '/env.list': '# comment\nA=1\n\n  B=two words\nFROM_HOST\nMISSING\r\nC=x=y\n' };
  t.deepEqual(parseEnv(['D=4', 'FROM_HOST', 'A=override'], ['/env.list'], penv(files, { FROM_HOST: 'h' })), [
    'A=1', 'B=two words', 'FROM_HOST=h', 'C=x=y', 'D=4', 'FROM_HOST=h', 'A=override',
  ]);
  t.is(parseEnv([], [], penv()), undefined);
  t.throws(() => parseEnv(['=x'], [], penv()), { message: /invalid environment variable/ });
  t.throws(() => parseEnv([], ['/nope'], penv()));
});

test('-p: ip:hostPort:containerPort, hostPort:containerPort, containerPort (a free host port), protocols', (t) => {
  t.deepEqual(parsePorts(['8080:80', '127.0.0.1:5353:53/udp', '443', '127.0.0.1::9000', '0.0.0.0:8081:80']), {
    exposed: { '80/tcp': {}, '53/udp': {}, '443/tcp': {}, '9000/tcp': {} },
    bindings: {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '0.0.0.0', HostPort: '8081' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
      '443/tcp': [{ HostIp: '', HostPort: '' }],
      '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
    },
  });
  t.deepEqual(parsePorts([]), {});
  t.deepEqual(parsePorts(['132/sctp']).bindings, { '132/sctp': [{ HostIp: '', HostPort: '' }] });
});

test('-p: ranges of equal length become one binding per port; IPv6 addresses in brackets', (t) => {
  t.deepEqual(parsePorts(['8000-8001:80-81']).bindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8000' }],
    '81/tcp': [{ HostIp: '', HostPort: '8001' }],
  });
  t.deepEqual(parsePorts(['7000-7001']).bindings, { '7000/tcp': [{ HostIp: '', HostPort: '' }], '7001/tcp': [{ HostIp: '', HostPort: '' }] });
  t.deepEqual(parsePorts(['9000-9010:80']).bindings, { '80/tcp': [{ HostIp: '', HostPort: '9000-9010' }] });
  t.deepEqual(parsePorts(['[::1]:8080:80', '[::]::53/udp']).bindings, {
    '80/tcp': [{ HostIp: '::1', HostPort: '8080' }],
    '53/udp': [{ HostIp: '::', HostPort: '' }],
  });
});

test('-p: bad specs are refused with the spec in the message', (t) => {
  for (const bad of ['80/xtp', '99999', '0', 'http', '1:2:3:4', 'host:80:80', '8000-8002:80-81', '90-80', '80/tcp/udp', '[::1]:80', '1.2.3.4:80', '']) {
    t.throws(() => parsePorts([bad]), { message: /invalid port/ }, bad);
  }
});

test('--expose: ports and ranges, published only with -P', (t) => {
  t.deepEqual(parseExpose(['80', '53/udp', '7000-7002']), { '80/tcp': {}, '53/udp': {}, '7000/tcp': {}, '7001/tcp': {}, '7002/tcp': {} });
  t.throws(() => parseExpose(['x']), { message: /invalid --expose/ });
  const { body } = buildCreateRequest({ publishAll: true, expose: ['80'], publish: ['127.0.0.1:8443:443'] }, 'busybox', [], penv());
  t.deepEqual(body.ExposedPorts, { '80/tcp': {}, '443/tcp': {} });
  t.true(body.HostConfig.PublishAllPorts as boolean);
  t.deepEqual(body.HostConfig.PortBindings, { '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }] });
});

test('--network NAME with aliases and a fixed IP: NetworkMode and the endpoint on that network', (t) => {
  const { body } = buildCreateRequest({ network: 'backend', networkAlias: ['web', 'www'], ip: '10.20.0.7' }, 'busybox', [], penv());
  t.is(body.HostConfig.NetworkMode, 'backend');
  t.deepEqual(body.NetworkingConfig, { EndpointsConfig: { backend: { Aliases: ['web', 'www'], IPAMConfig: { IPv4Address: '10.20.0.7' } } } });
  const alias = buildCreateRequest({ network: 'backend', networkAlias: ['db'] }, 'busybox', [], penv()).body;
  t.deepEqual(alias.NetworkingConfig, { EndpointsConfig: { backend: { Aliases: ['db'], IPAMConfig: undefined } } });
  t.is(buildCreateRequest({ network: 'backend' }, 'busybox', [], penv()).body.NetworkingConfig, undefined);
});

test('--net is --network; aliases and --ip need a user-defined network', (t) => {
  t.is(buildCreateRequest({ net: 'host' }, 'busybox', [], penv()).body.HostConfig.NetworkMode, 'host');
  t.is(buildCreateRequest({}, 'busybox', [], penv()).body.HostConfig.NetworkMode, undefined);
  for (const network of [undefined, 'bridge', 'default', 'host', 'none', 'container:abc']) {
    t.throws(() => parseNetworking({ network, networkAlias: ['x'] }), { message: /user-defined network/ });
    t.throws(() => parseNetworking({ network, ip: '10.0.0.2' }), { message: /user-defined network/ });
  }
  t.throws(() => parseNetworking({ network: 'n', ip: '10.0.0.300' }), { message: /invalid --ip/ });
  t.throws(() => parseNetworking({ network: 'n', ip: 'fd00::2' }), { message: /invalid --ip/ });
});

test('--link, --dns, --dns-search, --dns-option, --add-host go to HostConfig', (t) => {
  const { hostConfig } = parseNetworking({
    link: ['db', 'cache:redis'], dns: ['1.1.1.1', '2606:4700::1111'], dnsSearch: ['example.com'], dnsOption: ['ndots:2'],
    addHost: ['gw:10.0.0.1', 'v6=::1', 'brk:[fe80::1]', 'host.docker.internal:host-gateway'],
  });
  t.deepEqual(hostConfig, {
    NetworkMode: undefined, Links: ['db:db', 'cache:redis'], Dns: ['1.1.1.1', '2606:4700::1111'], DnsSearch: ['example.com'], DnsOptions: ['ndots:2'],
    ExtraHosts: ['gw:10.0.0.1', 'v6:::1', 'brk:fe80::1', 'host.docker.internal:host-gateway'],
  });
  t.deepEqual(parseNetworking({}).hostConfig, { NetworkMode: undefined, Links: undefined, Dns: undefined, DnsSearch: undefined, DnsOptions: undefined, ExtraHosts: undefined });
  t.is(parseLink('/db:d'), 'db:d');
  for (const bad of ['', ':x', 'a:b:c']) t.throws(() => parseLink(bad), { message: /invalid --link/ });
  for (const bad of ['nohost', 'h:notanip', ':1.2.3.4', 'h:']) t.throws(() => parseExtraHost(bad), { message: /invalid --add-host/ });
  t.throws(() => parseNetworking({ dns: ['dns.google'] }), { message: /invalid --dns/ });
});

test('full create body from run flags', (t) => {
  const req = buildCreateRequest({
    interactive: true, tty: true, env: ['A=1'], workdir: '/w', user: '1000:1000', entrypoint: '/bin/sh', name: 'web', hostname: 'h1',
    volume: ['/host:/ctr:ro', 'vol:/v', '/anon'], readOnly: true, tmpfs: ['/run', '/tmp:size=64m,mode=1777'], memory: '32m', cpus: '1.5',
    pidsLimit: '64', cpuShares: '512', restart: 'on-failure:3', label: ['a=b', 'flag'], network: 'none', capAdd: ['NET_ADMIN'], capDrop: ['ALL'],
    privileged: false, stopTimeout: '5', stopSignal: 'SIGINT',
  }, 'busybox', ['-c', 'echo hi'], penv());
  t.is(req.name, 'web');
  t.deepEqual(req.body, {
    Image: 'busybox', Cmd: ['-c', 'echo hi'], Entrypoint: ['/bin/sh'], Env: ['A=1'], WorkingDir: '/w', User: '1000:1000', Hostname: 'h1',
    Labels: { a: 'b', flag: '' }, Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
    StopTimeout: 5, StopSignal: 'SIGINT', Volumes: { '/anon': {} }, ExposedPorts: undefined, NetworkingConfig: undefined,
    HostConfig: {
      Binds: ['/host:/ctr:ro', 'vol:/v'], Tmpfs: { '/run': '', '/tmp': 'size=64m,mode=1777' }, ReadonlyRootfs: true,
      Memory: 32 * 1024 * 1024, NanoCpus: 1_500_000_000, PidsLimit: 64, CpuShares: 512, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      AutoRemove: false, Init: undefined, NetworkMode: 'none', Links: undefined, Dns: undefined, DnsSearch: undefined, DnsOptions: undefined, ExtraHosts: undefined,
      CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], Privileged: false, SecurityOpt: undefined, PortBindings: undefined, PublishAllPorts: false,
    },
  });
});

test('defaults: detached, no command, no limits', (t) => {
  const { body } = buildCreateRequest({ detach: true, rm: true }, 'busybox', [], penv());
  t.is(body.Cmd, undefined);
  t.is(body.Entrypoint, undefined);
  t.false(body.AttachStdout as boolean);
  t.false(body.StdinOnce as boolean);
  t.is(body.HostConfig.Memory, 0);
  t.is(body.HostConfig.Binds, undefined);
  t.true(body.HostConfig.AutoRemove as boolean);
  t.deepEqual(body.HostConfig.RestartPolicy, { Name: 'no', MaximumRetryCount: 0 });
  t.true(buildCreateRequest({ init: true }, 'busybox', [], penv()).body.HostConfig.Init as boolean, '--init');
});

test('--entrypoint "" clears the entrypoint; --rm conflicts with a restart policy', (t) => {
  t.deepEqual(buildCreateRequest({ entrypoint: '' }, 'busybox', [], penv()).body.Entrypoint, []);
  t.throws(() => buildCreateRequest({ rm: true, restart: 'always' }, 'busybox', [], penv()), { message: /--restart and --rm/ });
});

test('--security-opt: seccomp=<file> sends the file\'s JSON compacted, as docker\'s CLI does; other entries pass as given', (t) => {
  const profile = '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "comment": "a b",\n  "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "args": [{ "index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_NE" }] } ]\n}\n';
  const env = penv({ '/home/me/app/p.json': profile, '/etc/p.json': profile });
  const compact = '{"defaultAction":"SCMP_ACT_ALLOW","comment":"a b","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_NE"}]}]}';
  t.deepEqual(parseSecurityOpts(['seccomp=p.json', 'seccomp:/etc/p.json'], env), [`seccomp=${compact}`, `seccomp=${compact}`], 'relative to the working dir; the 64-bit value kept as written');
  t.deepEqual(parseSecurityOpts(['seccomp=unconfined', 'seccomp=builtin', 'no-new-privileges', 'no-new-privileges=false', 'apparmor=unconfined'], env),
    ['seccomp=unconfined', 'seccomp=builtin', 'no-new-privileges', 'no-new-privileges=false', 'apparmor=unconfined']);
  t.is(parseSecurityOpts([], env), undefined);
  t.deepEqual(buildCreateRequest({ securityOpt: ['no-new-privileges=false'] }, 'busybox', [], env).body.HostConfig.SecurityOpt, ['no-new-privileges=false']);
});

test('--security-opt: a missing or malformed profile file and a value-less option are refused with the option in the message', (t) => {
  const env = penv({ '/home/me/app/bad.json': '{ nope' });
  t.throws(() => parseSecurityOpts(['seccomp=missing.json'], env), { message: /^opening seccomp profile \(missing\.json\) failed/ });
  t.throws(() => parseSecurityOpts(['seccomp=bad.json'], env), { message: /^seccomp profile \(bad\.json\) is not valid JSON/ });
  t.throws(() => parseSecurityOpts(['seccomp'], env), { message: /invalid --security-opt: "seccomp"/ });
  t.throws(() => parseSecurityOpts(['apparmor='], env), { message: /invalid --security-opt: "apparmor="/ });
});

test('--log-driver and --log-opt become HostConfig.LogConfig; none given leaves it to the engine', (t) => {
  const { body } = buildCreateRequest({ logDriver: 'json-file', logOpt: ['max-size=10m', 'max-file=3'] }, 'busybox', [], penv());
  t.deepEqual(body.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } });
  t.deepEqual(buildCreateRequest({ logOpt: ['max-size=1m'] }, 'busybox', [], penv()).body.HostConfig.LogConfig, { Type: '', Config: { 'max-size': '1m' } });
  t.is(buildCreateRequest({}, 'busybox', [], penv()).body.HostConfig.LogConfig, undefined);
  t.throws(() => buildCreateRequest({ logOpt: ['max-size'] }, 'busybox', [], penv()), { message: /invalid --log-opt "max-size": use key=value/ });
});

test('--health-* flags become Config.Healthcheck in nanoseconds, as the docker CLI sends them; --no-healthcheck is Test NONE', (t) => {
  const { body } = buildCreateRequest({
    healthCmd: 'wget -q -O- localhost:8080/health', healthInterval: '2s', healthTimeout: '500ms', healthRetries: '4', healthStartPeriod: '1m30s', healthStartInterval: '1s',
  }, 'busybox', [], penv());
  t.deepEqual(body.Healthcheck, {
    Test: ['CMD-SHELL', 'wget -q -O- localhost:8080/health'], Interval: 2e9, Timeout: 5e8, StartPeriod: 90e9, StartInterval: 1e9, Retries: 4,
  });
  t.deepEqual(buildCreateRequest({ healthInterval: '5s' }, 'busybox', [], penv()).body.Healthcheck, { Interval: 5e9 }, 'the image\'s command, another interval');
  t.deepEqual(buildCreateRequest({ healthcheck: false }, 'busybox', [], penv()).body.Healthcheck, { Test: ['NONE'] });
  t.is(buildCreateRequest({ healthcheck: true }, 'busybox', [], penv()).body.Healthcheck, undefined, 'commander\'s default of --no-healthcheck');
  t.throws(() => buildCreateRequest({ healthcheck: false, healthCmd: 'true' }, 'busybox', [], penv()), { message: '--no-healthcheck conflicts with --health-* options' });
  t.throws(() => buildCreateRequest({ healthInterval: 'often' }, 'busybox', [], penv()), { message: /invalid --health-interval "often"/ });
  t.throws(() => buildCreateRequest({ healthRetries: '-1' }, 'busybox', [], penv()), { message: /invalid --health-retries "-1"/ });
});
