import test from 'ava';
import { buildCreateRequest, parseBytes, parseCpus, parseEnv, parsePorts, parseRestartPolicy, parseVolume, type ParseEnv } from '../../cli/run-options.js';

const penv = (files: Record<string, string> = {}, env: Record<string, string> = {}): ParseEnv => ({
  cwd: '/home/me/app',
  env,
  readFile: (f) => {
    if (!(f in files)) throw new Error(`ENOENT ${f}`);
    return files[f]!;
  },
});

test('memory units are binary like docker', (t) => {
  t.is(parseBytes('1024'), 1024);
  t.is(parseBytes('512b'), 512);
  t.is(parseBytes('4k'), 4096);
  t.is(parseBytes('32m'), 32 * 1024 * 1024);
  t.is(parseBytes('32M'), 32 * 1024 * 1024);
  t.is(parseBytes('32mb'), 32 * 1024 * 1024);
  t.is(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  t.is(parseBytes('2GiB'), 2 * 1024 ** 3);
  t.throws(() => parseBytes('32x'), { message: /invalid size/ });
  t.throws(() => parseBytes('-1m'));
  t.throws(() => parseBytes(''));
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

test('ports', (t) => {
  t.deepEqual(parsePorts(['8080:80', '127.0.0.1:5353:53/udp', '443']), {
    exposed: { '80/tcp': {}, '53/udp': {}, '443/tcp': {} },
    bindings: {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
      '443/tcp': [{ HostIp: '', HostPort: '' }],
    },
  });
  t.throws(() => parsePorts(['80/xtp']));
  t.throws(() => parsePorts(['99999']));
});

test('full create body from run flags', (t) => {
  const req = buildCreateRequest({
    interactive: true, tty: true, env: ['A=1'], workdir: '/w', user: '1000:1000', entrypoint: '/bin/sh', name: 'web', hostname: 'h1',
    volume: ['/host:/ctr:ro', 'vol:/v', '/anon'], readOnly: true, tmpfs: ['/run', '/tmp:size=64m,mode=1777'], memory: '32m', cpus: '1.5',
    pidsLimit: '64', restart: 'on-failure:3', label: ['a=b', 'flag'], network: 'none', capAdd: ['NET_ADMIN'], capDrop: ['ALL'],
    privileged: false, stopTimeout: '5', stopSignal: 'SIGINT',
  }, 'busybox', ['-c', 'echo hi'], penv());
  t.is(req.name, 'web');
  t.deepEqual(req.body, {
    Image: 'busybox', Cmd: ['-c', 'echo hi'], Entrypoint: ['/bin/sh'], Env: ['A=1'], WorkingDir: '/w', User: '1000:1000', Hostname: 'h1',
    Labels: { a: 'b', flag: '' }, Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true,
    StopTimeout: 5, StopSignal: 'SIGINT', Volumes: { '/anon': {} }, ExposedPorts: undefined,
    HostConfig: {
      Binds: ['/host:/ctr:ro', 'vol:/v'], Tmpfs: { '/run': '', '/tmp': 'size=64m,mode=1777' }, ReadonlyRootfs: true,
      Memory: 32 * 1024 * 1024, NanoCpus: 1_500_000_000, PidsLimit: 64, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      AutoRemove: false, NetworkMode: 'none', CapAdd: ['NET_ADMIN'], CapDrop: ['ALL'], Privileged: false, PortBindings: undefined,
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
});

test('--entrypoint "" clears the entrypoint; --rm conflicts with a restart policy', (t) => {
  t.deepEqual(buildCreateRequest({ entrypoint: '' }, 'busybox', [], penv()).body.Entrypoint, []);
  t.throws(() => buildCreateRequest({ rm: true, restart: 'always' }, 'busybox', [], penv()), { message: /--restart and --rm/ });
});
