import test from 'ava';
import { DEFAULT_PLANS } from '../../platform/plans.js';
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
    seccompProfile: '',
    network: {
      bridge: 'tspaas0', subnet: '10.77.0.0/16', pool: '10.78.0.0/15', bridgePrefix: 'tsbr-',
      cniPath: ['/usr/lib/cni', '/opt/cni/bin'], resolvConf: '/etc/resolv.conf',
    },
    insecureRegistries: [],
    registryMirrors: [],
    build: { memory: 2 * 1024 ** 3, pidsLimit: 4096, timeoutSeconds: 3600 },
    storageQuota: { enabled: true, defaultSize: 0 },
    logOpts: { 'max-size': '10m', 'max-file': '3' },
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

test('--registry-mirror is repeatable, kept in order, checked as dockerd checks registry-mirrors; TSPAAS_REGISTRY_MIRRORS otherwise', (t) => {
  t.deepEqual(run(['--registry-mirror', 'https://mirror.lan/', '--registry-mirror=http://10.0.0.5:5000']).engine.registryMirrors, ['https://mirror.lan', 'http://10.0.0.5:5000']);
  t.deepEqual(run([], { TSPAAS_REGISTRY_MIRRORS: 'http://a.lan:5000, https://b.lan' }).engine.registryMirrors, ['http://a.lan:5000', 'https://b.lan']);
  t.deepEqual(run(['--registry-mirror', 'https://flag.lan'], { TSPAAS_REGISTRY_MIRRORS: 'https://env.lan' }).engine.registryMirrors, ['https://flag.lan']);
  // dockerd's ValidateMirror: a scheme of http or https, nothing after the host.
  for (const bad of ['mirror.lan:5000', 'ftp://mirror.lan', 'https://mirror.lan/v2/', 'https://u:p@mirror.lan', 'https://mirror.lan?x=1']) {
    t.throws(() => run(['--registry-mirror', bad]), { message: /invalid --registry-mirror/ }, bad);
  }
});

test('--log-opt sets the default bound of container logs, key by key, checked as a container\'s', (t) => {
  t.deepEqual(run(['--log-opt', 'max-size=50m']).engine.logOpts, { 'max-size': '50m', 'max-file': '3' });
  t.deepEqual(run(['--log-opt', 'max-file=5', '--log-opt=max-size=1g']).engine.logOpts, { 'max-size': '1g', 'max-file': '5' });
  t.throws(() => run(['--log-opt', 'max-size=-1']), { message: /invalid --log-opt: invalid max-size "-1"/ });
  t.throws(() => run(['--log-opt', 'compress=true']), { message: /unknown log opt 'compress'/ });
  t.throws(() => run(['--log-opt', 'max-file']), { message: /use key=value/ });
});

test('build container limits', (t) => {
  t.deepEqual(run(['--build-memory', '0', '--build-pids', '100', '--build-timeout', '60']).engine.build, { memory: 0, pidsLimit: 100, timeoutSeconds: 60 });
  t.throws(() => run(['--build-pids', 'many']), { message: /invalid --build-pids "many"/ });
});

test('platform defaults', (t) => {
  const c = run([]);
  t.false(c.engineOnly);
  t.deepEqual(c.platform, {
    dataDir: '/var/lib/tspaas/platform', runDir: '/run/tspaas', listen: { host: '127.0.0.1', port: 5080 }, publicUrl: 'http://127.0.0.1:5080',
    baseDomain: 'localhost', routerPort: 80,
    deploy: { port: 5000, checkAttempts: 30, checkIntervalMs: 500, checkTimeoutMs: 2000, settleMs: 2000, drainMs: 2000, stopGraceSeconds: 10 },
    maxPushBytes: 1024 ** 3,
    logArchiveBytes: 1024 ** 2,
    plans: { list: DEFAULT_PLANS, default: 'basic', build: 'standard-2x' },
    auditRetentionDays: 90, trustedProxies: [], // issue 17, audit
  });
  t.is(run(['--log-archive-size', '200000']).platform.logArchiveBytes, 200000);
  t.throws(() => run(['--log-archive-size', '1000']), { message: /at least 65536/ });
  t.is(c.databaseUrl, undefined, 'no URL: the embedded PostgreSQL');
  t.is(c.redisUrl, undefined, 'no URL: the embedded Redis');
  t.is(c.redisPrefix, 'tspaas');
  t.is(c.platformFile, '/run/tspaas/platform.json');
  t.is(c.adminTokenFile, '/run/tspaas/admin-token');
  t.true(Object.isFrozen(c.platform) && Object.isFrozen(c.platform.deploy) && Object.isFrozen(c.platform.listen));
});

// Issue 13, part 4: the plans on offer come from the operator.
test('plans: --plan replaces the defaults (TSPAAS_PLANS too), --default-plan and --build-plan pick among them; bad specs are refused', (t) => {
  t.deepEqual(run([]).platform.plans.list.map((p) => p.name), ['basic', 'standard-1x', 'standard-2x', 'performance-m', 'performance-l']);
  const c = run(['--plan', 'big:memory=2G,cpus=2,shares=2048,pids=1024', '--plan', 'Small:memory=256M,cpus=0.5,shares=256,pids=64', '--default-plan', 'small', '--build-plan', 'big']);
  t.deepEqual(c.platform.plans, {
    list: [
      { name: 'small', memoryBytes: 256 * 1024 ** 2, cpuShares: 256, cpus: 0.5, pidsLimit: 64 },
      { name: 'big', memoryBytes: 2 * 1024 ** 3, cpuShares: 2048, cpus: 2, pidsLimit: 1024 },
    ],
    default: 'small', build: 'big',
  });
  t.true(Object.isFrozen(c.platform.plans) && Object.isFrozen(c.platform.plans.list[0]));
  const env = parseDaemonArgs([], { TSPAAS_PLANS: 'a:memory=1G,cpus=1,shares=1024,pids=100  b:memory=2G,cpus=0,shares=2048,pids=100', TSPAAS_DEFAULT_PLAN: 'a', TSPAAS_BUILD_PLAN: 'b' }, '1');
  t.deepEqual(env.kind === 'run' && env.config.platform.plans.list.map((p) => [p.name, p.cpus]), [['a', 1], ['b', 0]]);
  t.throws(() => run(['--plan', 'x:memory=1G,cpus=1,shares=1024']), { message: /invalid --plan "x:memory=1G,cpus=1,shares=1024": it needs exactly memory, cpus, shares and pids/ });
  t.throws(() => run(['--plan', 'x:memory=1G,cpus=1,shares=1,pids=10']), { message: /shares is 2-262144/ });
  // Part 5: a plan may name its writable-layer size (noisy.test.ts's disk filler runs at 64M).
  t.is(run(['--plan', 'x:memory=1G,cpus=1,shares=2,pids=100,disk=64M', '--default-plan', 'x', '--build-plan', 'x']).platform.plans.list[0].diskBytes, 64 * 1024 ** 2);
  t.throws(() => run(['--plan', 'x:memory=1G,cpus=1,shares=2,pids=100,disk=lots']), { message: /invalid --plan "x:.*": invalid disk "lots"/ });
  t.throws(() => run(['--plan', 'x:memory=1G,cpus=1,shares=2,pids=100,disk=1k']), { message: /invalid --plan "x:.*": disk 1k is below the 4M minimum/ });
  t.throws(() => run(['--plan', 'x:memory=lots,cpus=1,shares=2,pids=100']), { message: /invalid memory "lots"/ });
  t.throws(() => run(['--plan', '9x:memory=1G,cpus=1,shares=2,pids=100']), { message: /invalid --plan "9x:/ });
  t.throws(() => run(['--plan', 'x:memory=1G,cpus=1,shares=2,pids=100']), { message: /--default-plan basic is not a plan \(x\)/ });
  t.throws(() => run(['--plan', 'x:memory=1G,cpus=1,shares=2,pids=100', '--plan', 'x:memory=2G,cpus=1,shares=2,pids=100', '--default-plan', 'x', '--build-plan', 'x']),
    { message: /plan x is defined twice/ });
  t.throws(() => run(['--build-plan', 'huge']), { message: /--build-plan huge is not a plan/ });
});

test('platform settings from the environment, flags over environment', (t) => {
  const env = {
    DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:6379/2', TSPAAS_REDIS_PREFIX: 'envp', TSPAAS_LISTEN: '0.0.0.0:6000',
    TSPAAS_BASE_DOMAIN: 'Apps.Example.com', TSPAAS_ROUTER_PORT: '8080', TSPAAS_ENGINE_ONLY: '1', TSPAAS_MAX_PUSH_SIZE: '2048',
  };
  const e = run(['--root', '/d'], env);
  t.true(e.engineOnly);
  t.is(e.databaseUrl, 'postgres://db/x');
  t.is(e.redisUrl, 'redis://r:6379/2');
  t.is(e.redisPrefix, 'envp');
  t.deepEqual(e.platform.listen, { host: '0.0.0.0', port: 6000 });
  t.is(e.platform.publicUrl, 'http://127.0.0.1:6000', 'a wildcard listener is reached on loopback');
  t.is(e.platform.baseDomain, 'apps.example.com');
  t.is(e.platform.routerPort, 8080);
  t.is(e.platform.dataDir, '/d/platform');
  t.is(e.platform.maxPushBytes, 2048);
  const f = run(['--database-url', 'postgres://other/y', '--redis-url', 'unix:///s.sock', '--redis-prefix', 'flagp', '--listen', '[::1]:7000',
    '--public-url', 'https://paas.example.com/', '--base-domain', 'x.test', '--router-port', '9000', '--drain', '100', '--stop-grace', '1',
    '--check-interval', '50', '--check-attempts', '3', '--max-push-size', '1048576'], env);
  t.is(f.databaseUrl, 'postgres://other/y');
  t.is(f.redisUrl, 'unix:///s.sock');
  t.is(f.redisPrefix, 'flagp');
  t.deepEqual(f.platform.listen, { host: '::1', port: 7000 });
  t.is(f.platform.publicUrl, 'https://paas.example.com');
  t.is(f.platform.baseDomain, 'x.test');
  t.is(f.platform.routerPort, 9000);
  t.is(f.platform.maxPushBytes, 1048576);
  t.like(f.platform.deploy, { drainMs: 100, stopGraceSeconds: 1, checkIntervalMs: 50, checkAttempts: 3, port: 5000 });
  t.true(run(['--engine-only']).engineOnly);
});

test('listen forms and the public URL that follows from them', (t) => {
  t.deepEqual(run(['--listen', '5081']).platform.listen, { host: '127.0.0.1', port: 5081 });
  t.deepEqual(run(['--listen', ':5082']).platform.listen, { host: '0.0.0.0', port: 5082 });
  t.is(run(['--listen', '[::]:5083']).platform.publicUrl, 'http://[::1]:5083');
  t.is(run(['--listen', '[::1]:5084']).platform.publicUrl, 'http://[::1]:5084');
  t.is(run(['--listen', 'paas.lan:80']).platform.publicUrl, 'http://paas.lan:80');
});

test('invalid platform values are Invalid errors', (t) => {
  t.throws(() => run(['--listen', 'nohost']), { message: /invalid --listen "nohost"/ });
  t.throws(() => run(['--listen', '127.0.0.1:70000']), { message: /invalid --listen port "70000"/ });
  t.throws(() => run(['--public-url', 'paas.example.com']), { message: /invalid --public-url/ });
  t.throws(() => run(['--public-url', 'ftp://x']), { message: /invalid --public-url "ftp:\/\/x": use an http or https URL/ });
  t.throws(() => run(['--base-domain', 'under_score.test']), { message: /invalid --base-domain/ });
  t.throws(() => run(['--router-port', '0']), { message: /invalid --router-port port "0"/ });
  t.throws(() => run(['--redis-prefix', 'a b']), { message: /invalid --redis-prefix/ });
  t.throws(() => run(['--check-attempts', '0']), { message: /invalid --check-attempts "0"/ });
  t.throws(() => run(['--drain=-1']), { message: /invalid --drain/ });
  t.throws(() => run(['--max-push-size', '0']), { message: /invalid --max-push-size "0"/ });
  t.throws(() => run(['--max-push-size', '1G']), { message: /invalid --max-push-size "1G": use a whole number/ });
});

test('storage quota flags (issue 13, part 5): --storage-quota on|off, TSPAAS_STORAGE_QUOTA, --storage-size in Docker units', (t) => {
  t.deepEqual(run(['--storage-quota', 'off', '--storage-size', '10G']).engine.storageQuota, { enabled: false, defaultSize: 10 * 1024 ** 3 });
  t.false(run([], { TSPAAS_STORAGE_QUOTA: 'off' }).engine.storageQuota!.enabled);
  t.throws(() => run(['--storage-quota', 'maybe']), { message: /invalid --storage-quota "maybe": use one of on, off/ });
  t.throws(() => run(['--storage-size', 'lots']), { message: /invalid --storage-size "lots"/ });
});
