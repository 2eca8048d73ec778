/**
 * Issue 16 scope 1, the create options that were accepted and ignored:
 * dockerode (always) and the stock docker CLI (where installed) against a
 * real engine behind a real socket. Each option must do what Docker does,
 * show in inspect, and a value Docker refuses must be a 400 with its message.
 * The docker-py cases named are tests of docker-py 5.0.3's
 * tests/integration/api_container_test.py.
 */
import test from 'ava';
import { readlink } from 'node:fs/promises';
import os from 'node:os';
import type Docker from 'dockerode';
import { serveTestEngine, type ServedEngine } from '../../helpers/engine-api.js';
import { docker, withDockerCli } from './cli.js';

let served: ServedEngine;
let client: Docker;

test.before(async () => {
  served = await serveTestEngine({ version: '0.1.0-e2e', busybox: true, quiet: true });
  client = served.client;
});
test.after.always(() => served?.close());

/** Docker's multiplexed stream (8-byte frame headers) → stdout text. */
function stdoutOf(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    if (buf[i] === 1) out += buf.subarray(i + 8, i + 8 + size).toString();
    i += 8 + size;
  }
  return out;
}

/** Create, start, wait; the exit code and stdout. */
async function run(opts: Docker.ContainerCreateOptions): Promise<{ code: number; stdout: string; id: string }> {
  const c = await client.createContainer({ Image: 'busybox', ...opts, HostConfig: { NetworkMode: 'none', ...opts.HostConfig } });
  await c.start();
  const { StatusCode } = await c.wait();
  const logs = await c.logs({ stdout: true, stderr: true, follow: false }) as unknown as Buffer;
  return { code: StatusCode, stdout: stdoutOf(logs), id: c.id };
}

/** The message of a refused create. */
async function refusal(opts: Docker.ContainerCreateOptions): Promise<{ status: number; message: string }> {
  try {
    await client.createContainer({ Image: 'busybox', Cmd: ['true'], ...opts });
  } catch (err) {
    const e = err as { statusCode: number; json?: { message: string } };
    return { status: e.statusCode, message: e.json?.message ?? String(err) };
  }
  throw new Error('the create was accepted');
}

const nsOf = (probe: string) => ['readlink', `/proc/self/ns/${probe}`];

test('--pid host: the host PID namespace (docker-py test_create_with_host_pid_mode); container:<name> joins that one', async (t) => {
  const host = await run({ Cmd: nsOf('pid'), HostConfig: { PidMode: 'host' } });
  t.is(host.stdout.trim(), await readlink('/proc/self/ns/pid'));
  t.is((await client.getContainer(host.id).inspect()).HostConfig.PidMode, 'host');
  const own = await run({ Cmd: nsOf('pid') });
  t.not(own.stdout.trim(), await readlink('/proc/self/ns/pid'), 'by default its own');
  const donor = await client.createContainer({ Image: 'busybox', name: 'pid-donor', Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'none' } });
  t.teardown(() => donor.remove({ force: true }));
  const early = await run({ Cmd: ['true'], HostConfig: { PidMode: 'container:pid-donor' } }).catch((e: { json?: { message: string } }) => e.json?.message);
  t.is(early, 'cannot join PID of a non running container: pid-donor');
  await donor.start();
  const donorNs = await readlink(`/proc/${(await donor.inspect()).State.Pid}/ns/pid`);
  const joined = await run({ Cmd: ['sh', '-c', 'readlink /proc/self/ns/pid; ps -o comm | grep -c sleep'], HostConfig: { PidMode: 'container:pid-donor' } });
  t.deepEqual(joined.stdout.trim().split('\n'), [donorNs, '1'], "the donor's namespace: its sleep is visible");
  t.regex((await refusal({ HostConfig: { PidMode: 'container:nope' } })).message, /No such container: nope/);
  t.regex((await refusal({ HostConfig: { PidMode: 'bogus' } })).message, /invalid PID mode: bogus/);
});

test('--ipc: shareable donor, container:<name> shares its namespace and /dev/shm; none has no /dev/shm; private refuses joiners', async (t) => {
  const donor = await client.createContainer({ Image: 'busybox', name: 'ipc-donor', Cmd: ['sh', '-c', 'echo hi > /dev/shm/f; sleep 60'], HostConfig: { NetworkMode: 'none', IpcMode: 'shareable' } });
  t.teardown(() => donor.remove({ force: true }));
  await donor.start();
  const donorNs = await readlink(`/proc/${(await donor.inspect()).State.Pid}/ns/ipc`);
  const joined = await run({ Cmd: ['sh', '-c', 'readlink /proc/self/ns/ipc; sleep 0.3; cat /dev/shm/f'], HostConfig: { IpcMode: 'container:ipc-donor' } });
  t.deepEqual(joined.stdout.trim().split('\n'), [donorNs, 'hi']);
  const none = await run({ Cmd: ['sh', '-c', 'ls -d /dev/shm || echo no-shm'], HostConfig: { IpcMode: 'none' } });
  t.is(none.stdout.trim(), 'no-shm');
  const priv = await client.createContainer({ Image: 'busybox', name: 'ipc-private', Cmd: ['sleep', '60'], HostConfig: { NetworkMode: 'none' } });
  t.teardown(() => priv.remove({ force: true }));
  await priv.start();
  t.is((await priv.inspect()).HostConfig.IpcMode, 'private', "Docker's default mode");
  const refused = await run({ Cmd: ['true'], HostConfig: { IpcMode: 'container:ipc-private' } }).catch((e: { json?: { message: string } }) => e.json?.message);
  t.is(refused, 'non-shareable IPC (hint: use IpcMode:shareable for the donor container)');
});

test('--uts host: the host\'s hostname (docker-py test_create_with_uts_mode); with --hostname it is a conflict', async (t) => {
  const r = await run({ Cmd: ['hostname'], HostConfig: { UTSMode: 'host' } });
  t.is(r.stdout.trim(), os.hostname());
  t.is((await client.getContainer(r.id).inspect()).HostConfig.UTSMode, 'host');
  t.regex((await refusal({ Hostname: 'box', HostConfig: { UTSMode: 'host' } })).message, /conflicting options: hostname and the UTS mode/);
  t.regex((await refusal({ HostConfig: { UTSMode: 'container:x' } })).message, /invalid UTS mode/);
});

test('--group-add: ints and strings as gids, names from the image\'s /etc/group (docker-py test_group_id_ints/strings)', async (t) => {
  const r = await run({ Cmd: ['id', '-G'], HostConfig: { GroupAdd: [1000, '1001', 'nobody'] as unknown as string[] } });
  t.deepEqual(r.stdout.trim().split(' ').sort(), ['0', '1000', '1001', '65534']);
  const missing = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none', GroupAdd: ['nosuchgroup'] } });
  t.teardown(() => missing.remove({ force: true }));
  const err = await t.throwsAsync(missing.start());
  t.regex(err!.message, /Unable to find group nosuchgroup/);
});

test('--ulimit sets rlimits, never above the engine\'s hard limit; --shm-size sizes /dev/shm; --oom-score-adj', async (t) => {
  const r = await run({
    Cmd: ['sh', '-c', 'ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1; cat /proc/self/oom_score_adj'],
    HostConfig: { Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }], ShmSize: 1 << 20, OomScoreAdj: 300 },
  });
  const [soft, hard, shm, oom] = r.stdout.trim().split('\n');
  t.deepEqual([soft, hard, oom], ['100', '200', '300']);
  t.regex(shm!, /^shm\s+1024\s/);
  const inspect = await client.getContainer(r.id).inspect();
  t.deepEqual(inspect.HostConfig.Ulimits, [{ Name: 'nofile', Soft: 100, Hard: 200 }]);
  t.is(inspect.HostConfig.ShmSize, 1 << 20);
  const engineHard = Number(/^Max open files\s+\S+\s+(\d+)/m.exec(await import('node:fs/promises').then((f) => f.readFile('/proc/self/limits', 'utf8')))![1]);
  const over = await refusal({ HostConfig: { Ulimits: [{ Name: 'nofile', Soft: engineHard + 1, Hard: engineHard + 1 }] } });
  t.is(over.status, 400);
  t.regex(over.message, new RegExp(`above the engine's own hard limit ${engineHard}`));
  t.regex((await refusal({ HostConfig: { Ulimits: [{ Name: 'bogus', Soft: 1, Hard: 1 }] } })).message, /invalid ulimit type: bogus/);
  t.regex((await refusal({ HostConfig: { Ulimits: [{ Name: 'nproc', Soft: 2, Hard: 1 }] } })).message, /soft limit must be less than or equal to hard limit/);
  t.regex((await refusal({ HostConfig: { OomScoreAdj: -500 } })).message, /CAP_SYS_RESOURCE/);
  t.regex((await refusal({ HostConfig: { ShmSize: -1 } })).message, /SHM size can not be less than 0/);
});

test('--sysctl: namespaced ones apply; others and net.* with --network host are refused', async (t) => {
  const r = await run({ Cmd: ['cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start', '/proc/sys/kernel/shmmni'], HostConfig: { Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shmmni': '1234' } } });
  t.deepEqual(r.stdout.trim().split('\n'), ['80', '1234']);
  t.deepEqual((await client.getContainer(r.id).inspect()).HostConfig.Sysctls, { 'net.ipv4.ip_unprivileged_port_start': '80', 'kernel.shmmni': '1234' });
  t.regex((await refusal({ HostConfig: { Sysctls: { 'kernel.hostname': 'x' } } })).message, /sysctl 'kernel.hostname' is not allowed/);
  t.regex((await refusal({ HostConfig: { Sysctls: { 'vm.swappiness': '1' } } })).message, /sysctl 'vm.swappiness' is not allowed/);
  t.regex((await refusal({ HostConfig: { NetworkMode: 'host', Sysctls: { 'net.ipv4.ip_forward': '0' } } })).message, /host's network namespace/);
});

test('--device makes the node and allows it; --device-cgroup-rule adds the rule (docker-py test_create_with_device_cgroup_rules)', async (t) => {
  const dev = await run({ Cmd: ['sh', '-c', 'ls -l /dev/mynull | cut -c1; echo x > /dev/mynull && echo written'], HostConfig: { Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rwm' }] } });
  t.deepEqual(dev.stdout.trim().split('\n'), ['c', 'written']);
  const rule = 'c 7:128 rwm';
  const r = await run({ Cmd: ['sh', '-c', 'cat /sys/fs/cgroup/devices/devices.list 2>/dev/null || echo no-v1'], HostConfig: { DeviceCgroupRules: [rule] } });
  t.deepEqual((await client.getContainer(r.id).inspect()).HostConfig.DeviceCgroupRules, [rule]);
  if (r.stdout.trim() !== 'no-v1') t.true(r.stdout.includes(rule), r.stdout);
  t.regex((await refusal({ HostConfig: { DeviceCgroupRules: ['x 1:2 rwm'] } })).message, /invalid device cgroup format 'x 1:2 rwm'/);
  t.regex((await refusal({ HostConfig: { Devices: [{ PathOnHost: '/dev/nope', PathInContainer: '/dev/nope', CgroupPermissions: 'rwm' }] } })).message, /error gathering device information while adding custom device "\/dev\/nope"/);
  t.regex((await refusal({ HostConfig: { Devices: [{ PathOnHost: '/etc/hostname', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }] } })).message, /not a device node/);
});

test('--volumes-from c[:ro]: the same volumes, read-only when asked (docker-py test_create_container_with_volumes_from)', async (t) => {
  const src = await run({ Cmd: ['sh', '-c', 'echo shared > /data/f'], Volumes: { '/data': {} } });
  t.is(src.code, 0);
  const name = (await client.getContainer(src.id).inspect()).Name.slice(1);
  const rw = await run({ Cmd: ['sh', '-c', 'cat /data/f; echo more >> /data/f && echo rw'], HostConfig: { VolumesFrom: [name] } });
  t.deepEqual(rw.stdout.trim().split('\n'), ['shared', 'rw']);
  const ro = await run({ Cmd: ['sh', '-c', 'cat /data/f; echo x >> /data/f 2>/dev/null || echo ro'], HostConfig: { VolumesFrom: [`${name}:ro`] } });
  t.deepEqual(ro.stdout.trim().split('\n'), ['shared', 'more', 'ro']);
  t.deepEqual((await client.getContainer(ro.id).inspect()).HostConfig.VolumesFrom, [`${name}:ro`]);
  t.regex((await refusal({ HostConfig: { VolumesFrom: ['nosuch'] } })).message, /No such container: nosuch/);
  t.regex((await refusal({ HostConfig: { VolumesFrom: [`${name}:rx`] } })).message, /invalid volumes-from/);
});

test('Env "Foo" (no =) stays in Config.Env and leaves Foo unset (docker-py test_create_with_environment_variable_no_value)', async (t) => {
  const r = await run({ Cmd: ['sh', '-c', 'env | grep -E "^(Foo|Other|Blank)" | sort'], Env: ['Foo', 'Other=one', 'Blank='] });
  t.deepEqual(r.stdout.trim().split('\n'), ['Blank=', 'Other=one']);
  const env = (await client.getContainer(r.id).inspect()).Config.Env;
  for (const e of ['Foo', 'Other=one', 'Blank=']) t.true(env.includes(e), e);
});

test('Isolation: "default" kept (docker-py test_create_with_isolation), others refused', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { Isolation: 'default' } });
  t.is((await c.inspect()).HostConfig.Isolation, 'default');
  t.regex((await refusal({ HostConfig: { Isolation: 'hyperv' } })).message, /invalid isolation 'hyperv'/);
});

test("log driver: Docker's json-file is the default name, options kept as asked; an unknown driver gets dockerd's message (docker-py log driver tests)", async (t) => {
  const dflt = await client.createContainer({ Image: 'busybox', Cmd: ['true'] });
  t.deepEqual((await dflt.inspect()).HostConfig.LogConfig, { Type: 'json-file', Config: {} });
  const asked = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { LogConfig: { Type: '', Config: { 'max-file': '100' } } } });
  t.deepEqual((await asked.inspect()).HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-file': '100' } });
  const bad = await refusal({ HostConfig: { LogConfig: { Type: 'asdf', Config: {} } } });
  t.is(bad.message, "logger: no log driver named 'asdf' is registered");
});

test('VolumeDriver: kept when no volume needs it, as dockerd; with a volume the unknown plugin is refused', async (t) => {
  const c = await client.createContainer({ Image: 'busybox', Cmd: ['true'], HostConfig: { VolumeDriver: 'foo' } });
  t.is((await c.inspect()).HostConfig.VolumeDriver, 'foo');
  t.regex((await refusal({ Volumes: { '/data': {} }, HostConfig: { VolumeDriver: 'foo' } })).message, /plugin "foo" not found/);
});

test("a Mounts volume's VolumeOptions.Labels label the volume it creates (docker-py test_create_with_volume_mount)", async (t) => {
  const name = `labelled-${Date.now()}`;
  const r = await run({ Cmd: ['true'], HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/v', VolumeOptions: { NoCopy: false, Labels: { 'com.example': 'yes' }, DriverConfig: { Name: '', Options: {} } } }] } });
  t.is(r.code, 0);
  t.deepEqual((await client.getVolume(name).inspect()).Labels, { 'com.example': 'yes' });
  t.regex((await refusal({ HostConfig: { Mounts: [{ Type: 'volume', Source: '', Target: '/v', VolumeOptions: { NoCopy: false, Labels: {}, DriverConfig: { Name: 'nfs', Options: {} } } }] } })).message, /HostConfig.Mounts\[\].VolumeOptions is not supported/);
});

test('a refused field is a 400 naming it, and creates nothing', async (t) => {
  const before = (await client.listContainers({ all: true })).length;
  const r = await refusal({ HostConfig: { CgroupParent: '/elsewhere' } } as Docker.ContainerCreateOptions);
  t.is(r.status, 400);
  t.is(r.message, "HostConfig.CgroupParent is not supported by tspaas: containers stay under the engine's cgroup");
  t.is((await client.listContainers({ all: true })).length, before);
});

withDockerCli(() => {
  const cli = (args: string[]) => docker(served.socketPath, args);

  test('docker CLI: run --pid/--uts host, --group-add, --ulimit, --shm-size, --sysctl, --device, --volumes-from, -e FOO', async (t) => {
    const vol = await cli(['run', '--name', 'cli-vol', '--network', 'none', '-v', '/data', 'busybox', 'sh', '-c', 'echo v > /data/f']);
    t.is(vol.code, 0, vol.stderr);
    const r = await cli(['run', '--rm', '--network', 'none', '--pid', 'host', '--uts', 'host', '--group-add', '1234', '--ulimit', 'nofile=50:60',
      '--shm-size', '2m', '--sysctl', 'kernel.shmmni=999', '--device', '/dev/null:/dev/n2', '--volumes-from', 'cli-vol:ro', '-e', 'NOT_SET_HERE',
      'busybox', 'sh', '-c', 'readlink /proc/self/ns/pid; hostname; id -G; ulimit -n; df -k /dev/shm | tail -1; cat /proc/sys/kernel/shmmni; ls /dev/n2; cat /data/f; env | grep -c NOT_SET_HERE; true']);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.is(lines[0], await readlink('/proc/self/ns/pid'));
    t.is(lines[1], os.hostname());
    t.deepEqual(lines[2]!.split(' ').sort(), ['0', '1234']);
    t.is(lines[3], '50');
    t.regex(lines[4]!, /^shm\s+2048\s/);
    t.deepEqual(lines.slice(5), ['999', '/dev/n2', 'v', '0']);
  });

  test('docker CLI: a refused option comes back as the engine\'s message', async (t) => {
    const r = await cli(['run', '--rm', '--cgroup-parent', '/x', 'busybox', 'true']);
    t.not(r.code, 0);
    t.regex(r.stderr, /HostConfig.CgroupParent is not supported by tspaas/);
    const s = await cli(['run', '--rm', '--security-opt', 'systempaths=unconfined', 'busybox', 'true']);
    t.regex(s.stderr, /HostConfig.MaskedPaths is not supported by tspaas/);
    const sys = await cli(['run', '--rm', '--sysctl', 'vm.swappiness=1', 'busybox', 'true']);
    t.not(sys.code, 0);
    t.regex(sys.stderr, /sysctl 'vm.swappiness/, 'the CLI or the engine refuses it');
  });
});
