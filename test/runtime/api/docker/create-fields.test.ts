/**
 * Nothing accepted and ignored (issue 16): the create body's fields against
 * create-fields.ts's table. The default bodies are what the clients really
 * send: the docker CLI 28.2.2's `docker create busybox true` (captured on a
 * socket) and docker-py 5.0.3's ContainerConfig with its unset arguments.
 */
import test from 'ava';
import { toCreateOptions } from '../../../../runtime/api/docker/container-create.js';
import type { ContainerCreateRequest } from '../../../../runtime/api/docker/types.js';
import { CONFIG_FIELDS, HOST_CONFIG_FIELDS, isZero } from '../../../../runtime/api/docker/create-fields.js';
import { isKind } from '../../../../lib/errors.js';

/** `docker create busybox true`, docker CLI 28.2.2, as sent. */
const CLI_BODY = {
  Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
  StdinOnce: false, Env: null, Cmd: ['true'], Image: 'busybox', Volumes: {}, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: {},
  HostConfig: {
    Binds: null, ContainerIDFile: '', LogConfig: { Type: '', Config: {} }, NetworkMode: 'default', PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: '', VolumesFrom: null, ConsoleSize: [0, 0],
    CapAdd: null, CapDrop: null, CgroupnsMode: '', Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null, IpcMode: '',
    Cgroup: '', Links: null, OomScoreAdj: 0, PidMode: '', Privileged: false, PublishAllPorts: false, ReadonlyRootfs: false, SecurityOpt: null,
    UTSMode: '', UsernsMode: '', ShmSize: 0, Isolation: '', CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: '', BlkioWeight: 0,
    BlkioWeightDevice: [], BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [],
    CpuPeriod: 0, CpuQuota: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, CpusetCpus: '', CpusetMems: '', Devices: [],
    DeviceCgroupRules: null, DeviceRequests: null, MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: -1, OomKillDisable: false,
    PidsLimit: 0, Ulimits: [], CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0, MaskedPaths: null, ReadonlyPaths: null,
  },
  NetworkingConfig: { EndpointsConfig: { default: { IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null } } },
};

/** docker-py 5.0.3 `create_container('busybox', 'true')`: ContainerConfig's keys, unset ones null. */
const DOCKER_PY_BODY = {
  Hostname: null, Domainname: null, ExposedPorts: null, User: null, Tty: false, OpenStdin: false, StdinOnce: false, AttachStdin: false,
  AttachStdout: true, AttachStderr: true, Env: null, Cmd: ['true'], Image: 'busybox', Volumes: null, NetworkDisabled: false,
  Entrypoint: null, WorkingDir: null, HostConfig: null, NetworkingConfig: null, MacAddress: null, Labels: null, StopSignal: null,
  Healthcheck: null, StopTimeout: null, Runtime: null,
};

test("the docker CLI's and docker-py's default bodies pass", (t) => {
  t.is(toCreateOptions(CLI_BODY as unknown as ContainerCreateRequest).image, 'busybox');
  t.is(toCreateOptions(DOCKER_PY_BODY as unknown as ContainerCreateRequest).image, 'busybox');
  t.is(toCreateOptions({ Image: 'busybox', name: 'web', platform: 'linux' } as ContainerCreateRequest).image, 'busybox', "dockerode leaves the create's query parameters in the body");
});

test('every field of moby v25.0.0 Config and HostConfig (with Resources) has a rule', (t) => {
  const config = ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty', 'OpenStdin', 'StdinOnce',
    'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'NetworkDisabled', 'MacAddress', 'OnBuild',
    'Labels', 'StopSignal', 'StopTimeout', 'Shell'];
  t.deepEqual(config.filter((f) => !CONFIG_FIELDS[f]), []);
  const host = Object.keys(CLI_BODY.HostConfig).concat(['Annotations', 'StorageOpt', 'Tmpfs', 'Sysctls', 'Runtime', 'Mounts', 'Init', 'KernelMemory', 'KernelMemoryTCP']);
  t.deepEqual(host.filter((f) => !HOST_CONFIG_FIELDS[f]), []);
});

const refusals: [string, Record<string, unknown>, RegExp][] = [
  ['HostConfig.CgroupParent', { HostConfig: { CgroupParent: '/elsewhere' } }, /HostConfig.CgroupParent is not supported by tspaas: containers stay under the engine's cgroup/],
  ['HostConfig.BlkioWeightDevice', { HostConfig: { BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 300 }] } }, /HostConfig.BlkioWeightDevice is not supported/],
  ['HostConfig.BlkioDeviceReadBps', { HostConfig: { BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1 }] } }, /HostConfig.BlkioDeviceReadBps/],
  ['HostConfig.CpuRealtimeRuntime (docker-py test_create_with_cpu_rt_options)', { HostConfig: { CpuRealtimeRuntime: 500 } }, /HostConfig.CpuRealtimeRuntime/],
  ['HostConfig.DeviceRequests (--gpus)', { HostConfig: { DeviceRequests: [{ Driver: 'nvidia', Count: -1 }] } }, /HostConfig.DeviceRequests/],
  ['HostConfig.Annotations', { HostConfig: { Annotations: { 'run.oci.seccomp_bpf_data': 'x' } } }, /HostConfig.Annotations .*run\.oci/],
  ['HostConfig.CgroupnsMode', { HostConfig: { CgroupnsMode: 'host' } }, /HostConfig.CgroupnsMode/],
  ['HostConfig.Cgroup', { HostConfig: { Cgroup: 'container:x' } }, /HostConfig.Cgroup is not supported/],
  ['HostConfig.KernelMemory', { HostConfig: { KernelMemory: 1 << 30 } }, /HostConfig.KernelMemory is not supported/],
  ['HostConfig.CpuCount (Windows)', { HostConfig: { CpuCount: 2 } }, /HostConfig.CpuCount .*Windows/],
  ['HostConfig.MaskedPaths [] (CLI: --security-opt systempaths=unconfined)', { HostConfig: { MaskedPaths: [] } }, /HostConfig.MaskedPaths .*systempaths=unconfined/],
  ['HostConfig.ReadonlyPaths []', { HostConfig: { ReadonlyPaths: [] } }, /HostConfig.ReadonlyPaths/],
  ['Config.Domainname', { Domainname: 'example.com' }, /Config.Domainname is not supported/],
  ['Config.Shell', { Shell: ['/bin/bash', '-c'] }, /Config.Shell/],
  ['Config.OnBuild', { OnBuild: ['RUN x'] }, /Config.OnBuild/],
  ['HostConfig.Mounts[].BindOptions', { HostConfig: { Mounts: [{ Type: 'bind', Source: '/srv', Target: '/srv', BindOptions: { Propagation: 'rshared' } }] } }, /HostConfig.Mounts\[\].BindOptions is not supported/],
  ['HostConfig.Mounts[].VolumeOptions', { HostConfig: { Mounts: [{ Type: 'volume', Target: '/v', VolumeOptions: { DriverConfig: { Name: 'nfs' } } }] } }, /HostConfig.Mounts\[\].VolumeOptions/],
  ['a Binds propagation', { HostConfig: { Binds: ['/srv:/srv:rshared'] } }, /bind propagation "rshared" is not supported/],
  ['a field API 1.44 does not have', { HostConfig: { NoSuchField: 1 } }, /HostConfig.NoSuchField is not a field of API 1.44/],
  ['a Config field API 1.44 does not have', { Privileged: true }, /Config.Privileged is not a field of API 1.44/],
];
for (const [what, body, message] of refusals) {
  test(`refused with a 400 naming it: ${what}`, (t) => {
    const err = t.throws(() => toCreateOptions({ Image: 'busybox', ...body } as ContainerCreateRequest), { message });
    t.true(isKind(err, 'Invalid'));
  });
}

test('zero values, nested ones included, count as unset; any other value does not', (t) => {
  for (const v of [null, undefined, '', 0, false, [], {}, [0, 0], { Type: '', Config: {} }, { Name: '', MaximumRetryCount: 0 }]) t.true(isZero(v), JSON.stringify(v));
  for (const v of [1, -1, 'x', true, [1], { a: 'b' }, [0, 1]]) t.false(isZero(v), JSON.stringify(v));
  t.notThrows(() => toCreateOptions({ Image: 'x', HostConfig: { NoSuchField: null, CgroupParent: '' } } as ContainerCreateRequest));
});

test("mount options that ask for what the engine does anyway pass, and NoCopy: nocopy on a bind, rprivate, Docker Desktop's Consistency", (t) => {
  t.notThrows(() => toCreateOptions({
    Image: 'x', HostConfig: { Binds: ['/srv:/srv:rprivate,nocopy'], Mounts: [
      { Type: 'volume', Target: '/v', VolumeOptions: { NoCopy: true, Labels: {} } },
      { Type: 'bind', Source: '/srv', Target: '/b', BindOptions: { Propagation: 'rprivate' }, Consistency: 'cached' },
    ] },
  } as unknown as ContainerCreateRequest));
});

test('fields other parts implement are accepted (Healthcheck, CpusetCpus, MemorySwap, OomKillDisable, Runtime)', (t) => {
  t.notThrows(() => toCreateOptions({
    Image: 'x', Healthcheck: { Test: ['CMD', 'true'] },
    HostConfig: { CpusetCpus: '0', MemorySwap: 1 << 30, OomKillDisable: true, Runtime: 'runc', MemorySwappiness: 10 },
  } as ContainerCreateRequest));
});

test("the CLI's --pid/--ipc/--uts, --group-add, --ulimit, --device, --sysctl, --shm-size, --volumes-from become CreateOptions", (t) => {
  const o = toCreateOptions({
    Image: 'x', NetworkDisabled: true,
    HostConfig: {
      PidMode: 'host', IpcMode: 'shareable', UTSMode: 'host', GroupAdd: [1000, 'audio'] as never, Ulimits: [{ Name: 'nofile', Soft: 100, Hard: 200 }],
      Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '', CgroupPermissions: '' }], DeviceCgroupRules: ['c 7:128 rwm'],
      Sysctls: { 'net.ipv4.ip_forward': '1' }, ShmSize: 1 << 20, VolumesFrom: ['a:ro'], Isolation: 'default', ConsoleSize: [24, 80],
      OomScoreAdj: 500, VolumeDriver: 'local',
    },
  });
  t.like(o, {
    pidMode: 'host', ipcMode: 'shareable', utsMode: 'host', groupAdd: ['1000', 'audio'], ulimits: [{ name: 'nofile', soft: 100, hard: 200 }],
    devices: [{ pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', cgroupPermissions: 'rwm' }], deviceCgroupRules: ['c 7:128 rwm'],
    sysctls: { 'net.ipv4.ip_forward': '1' }, shmSize: 1 << 20, volumesFrom: ['a:ro'], isolation: 'default', consoleSize: [24, 80],
    oomScoreAdj: 500, volumeDriver: 'local', networkMode: 'none',
  });
});
