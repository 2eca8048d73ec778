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
    memory: 64 << 20, nanoCpus: 500_000_000, pidsLimit: 100, restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
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
    { Image: 'x', HostConfig: { NanoCpus: 1e9, CpuQuota: 1000 } },
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

test('published ports are refused with a clear message until networking exists, never dropped', (t) => {
  const err = t.throws(() => toCreateOptions({ Image: 'busybox', HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } }));
  t.regex(err!.message, /publishing ports .* not supported yet/);
  t.throws(() => toCreateOptions({ Image: 'busybox', HostConfig: { PublishAllPorts: true } }), { message: /not supported yet/ });
  t.notThrows(() => toCreateOptions({ Image: 'busybox', HostConfig: { PortBindings: {} } }));
});
