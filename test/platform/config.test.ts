import test from 'ava';
import { parseDaemonArgs } from '../../platform/config.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const cmd = parseDaemonArgs(argv, env, '1.2.3');
  if (cmd.kind !== 'run') throw new Error(`expected run, got ${cmd.kind}`);
  return cmd.config;
};

test('defaults', (t) => {
  const c = run([]);
  t.is(c.root, '/var/lib/tspaas');
  t.is(c.runRoot, '/run/tspaas');
  t.deepEqual(c.engine, {
    root: '/var/lib/tspaas/engine', runRoot: '/run/tspaas/engine', runtime: 'auto', cgroupParent: '/tspaas',
    seccompProfile: '/usr/share/containers/seccomp.json',
    network: {
      bridge: 'tspaas0', subnet: '10.77.0.0/16', pool: '10.78.0.0/15', bridgePrefix: 'tsbr-',
      cniPath: ['/usr/lib/cni', '/opt/cni/bin'], resolvConf: '/etc/resolv.conf',
    },
    insecureRegistries: [],
    build: { memory: 2 * 1024 ** 3, pidsLimit: 4096, timeoutSeconds: 3600 },
  });
  t.is(c.socketPath, '/run/tspaas/engine.sock');
  t.is(c.pidFile, '/run/tspaas/tspaasd.pid');
  t.is(c.socketGroup, undefined);
  t.is(c.logLevel, 'info');
  t.is(c.version, '1.2.3');
});

test('environment, and flags over environment', (t) => {
  const env = { TSPAAS_ROOT: '/data', TSPAAS_RUN: '/r', TSPAAS_RUNTIME: 'runc', TSPAAS_LOG_LEVEL: 'debug', TSPAAS_SOCKET_GROUP: 'docker' };
  const fromEnv = run([], env);
  t.is(fromEnv.engine.root, '/data/engine');
  t.is(fromEnv.engine.runRoot, '/r/engine');
  t.is(fromEnv.socketPath, '/r/engine.sock');
  t.is(fromEnv.engine.runtime, 'runc');
  t.is(fromEnv.logLevel, 'debug');
  t.is(fromEnv.socketGroup, 'docker');
  const fromFlags = run(['--root', '/x', '--run-root=/y', '--runtime', 'crun', '--cgroup-parent', '/t/', '--seccomp-profile', '/s.json',
    '--socket-group', 'staff', '--log-level', 'warn'], env);
  t.is(fromFlags.engine.root, '/x/engine');
  t.is(fromFlags.pidFile, '/y/tspaasd.pid');
  t.is(fromFlags.engine.runtime, 'crun');
  t.is(fromFlags.engine.cgroupParent, '/t');
  t.is(fromFlags.engine.seccompProfile, '/s.json');
  t.is(fromFlags.socketGroup, 'staff');
  t.is(fromFlags.logLevel, 'warn');
});

test('relative roots are made absolute', (t) => {
  t.is(run(['--root', 'rel']).root, `${process.cwd()}/rel`);
});

test('the config is frozen, the engine part too', (t) => {
  const c = run([]);
  t.true(Object.isFrozen(c));
  t.true(Object.isFrozen(c.engine));
});

test('invalid values are Invalid errors', (t) => {
  t.throws(() => run(['--runtime', 'kata']), { message: /invalid --runtime "kata"/ });
  t.throws(() => run(['--log-level', 'loud']), { message: /invalid --log-level/ });
  t.throws(() => run(['--cgroup-parent', 'relative']), { message: /invalid --cgroup-parent/ });
  t.throws(() => run(['--cgroup-parent', '/a/../b']), { message: /invalid --cgroup-parent/ });
  t.throws(() => run(['--bogus']), { message: /Unknown option/ });
  t.throws(() => run(['extra']), { message: /positional/ });
  t.throws(() => run([], { TSPAAS_RUNTIME: 'nope' }), { message: /invalid --runtime/ });
});

test('help and version', (t) => {
  t.is(parseDaemonArgs(['--help'], {}, '1').kind, 'help');
  t.is(parseDaemonArgs(['-v'], {}, '1').kind, 'version');
});

test('--insecure-registry is repeatable and checked; none by default', (t) => {
  t.deepEqual(run([]).engine.insecureRegistries, []);
  t.deepEqual(run(['--insecure-registry', 'reg.lan:5000', '--insecure-registry=10.0.0.0/8']).engine.insecureRegistries, ['reg.lan:5000', '10.0.0.0/8']);
  t.throws(() => run(['--insecure-registry', 'http://x/y']), { message: /invalid --insecure-registry/ });
});

test('build container limits', (t) => {
  t.deepEqual(run(['--build-memory', '0', '--build-pids', '100', '--build-timeout', '60']).engine.build, { memory: 0, pidsLimit: 100, timeoutSeconds: 60 });
  t.throws(() => run(['--build-pids', 'many']), { message: /invalid --build-pids "many"/ });
});
