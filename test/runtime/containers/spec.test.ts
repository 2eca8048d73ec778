/**
 * The generated OCI spec, run for real under runc and crun with a hand-made
 * busybox rootfs: capabilities, no-new-privileges, seccomp, masked and
 * read-only paths, device cgroup, memory and pids limits. Each confinement
 * check has a control (a privileged or unlimited container) where the same
 * action succeeds, so a spec that stopped confining would fail the test.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { run } from '../../../lib/exec.js';
import { isErrno } from '../../../lib/errors.js';
import { buildSpec, specInputFor, type OciSpec, type SpecInput } from '../../../runtime/containers/spec.js';
import { resolveCapabilities, capMask, DEFAULT_CAPABILITIES, ALL_CAPABILITIES } from '../../../runtime/containers/capabilities.js';
import { cgroupDirs, readPidsLimitHits, readStats } from '../../../runtime/containers/cgroups.js';
import { loadSeccompProfile } from '../../../runtime/containers/seccomp.js';
import { prepareHost, readHostLimits } from '../../../runtime/host.js';
import type { CreateOptions } from '../../../runtime/containers/types.js';

const RUNTIMES = ['runc', 'crun'] as const;
const CGROUP_PARENT = `/tspaas-test-spec-${process.pid}`;
const APPLETS = ['sh', 'cat', 'grep', 'mount', 'mknod', 'awk', 'sleep', 'ls', 'id', 'echo', 'kill', 'head'];
let work = '';

test.before(async () => {
  await prepareHost(); // crun needs an empty cgroup2 tree on hybrid hosts
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-spec-'));
});

/** A minimal rootfs: a copy of the host's static busybox and a few applet links. */
async function makeRootfs(rootfs: string): Promise<void> {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'mnt', 'root', 'home']) await fsp.mkdir(path.join(rootfs, d), { recursive: true });
  await fsp.chmod(path.join(rootfs, 'tmp'), 0o1777);
  await fsp.copyFile('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  await fsp.chmod(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const a of APPLETS) await fsp.symlink('busybox', path.join(rootfs, 'bin', a));
  await fsp.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  await fsp.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
}

test.after.always(async () => {
  for (const dir of await cgroupDirs(CGROUP_PARENT)) await fsp.rmdir(dir).catch((e) => { if (!isErrno(e, 'ENOENT')) throw e; });
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

/** A spec for `sh -c script` in a fresh bundle with its own rootfs. */
async function bundleFor(script: string, options: Partial<CreateOptions> = {}): Promise<{ id: string; bundle: string; spec: OciSpec }> {
  const id = `spec-${randomBytes(6).toString('hex')}`;
  const bundle = path.join(work, id);
  const rootfs = path.join(bundle, 'rootfs');
  await makeRootfs(rootfs);
  const record = {
    id,
    options: { image: 'busybox', ...options },
    config: { Cmd: ['sh', '-c', script], Hostname: id.slice(0, 12), Tty: false, OpenStdin: false, StdinOnce: false, Image: 'busybox', User: options.user },
  };
  const spec = buildSpec(await specInputFor(record, { rootfs, cgroupParent: CGROUP_PARENT, seccompProfile: '' }));
  await fsp.writeFile(path.join(bundle, 'config.json'), JSON.stringify(spec));
  return { id, bundle, spec };
}

/** `runtime run` to completion. */
async function runContainer(runtime: string, script: string, options: Partial<CreateOptions> = {}) {
  const { id, bundle } = await bundleFor(script, options);
  return run(runtime, ['--root', path.join(work, 'state'), 'run', '--bundle', bundle, id], { allowFailure: true });
}

for (const rt of RUNTIMES) {
  test(`${rt}: Docker's capabilities (less MKNOD), no-new-privileges and seccomp filter are in force`, async (t) => {
    const r = await runContainer(rt, 'cat /proc/self/status');
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^CapEff:\s+00000000a00425fb$/m);
    t.regex(r.stdout, /^CapBnd:\s+00000000a00425fb$/m);
    t.regex(r.stdout, /^CapInh:\s+0000000000000000$/m);
    t.regex(r.stdout, /^NoNewPrivs:\s+1$/m);
    t.regex(r.stdout, /^Seccomp:\s+2$/m);
  });

  test(`${rt}: cap-drop and cap-add change the effective set`, async (t) => {
    const r = await runContainer(rt, 'grep CapEff /proc/self/status', { capDrop: ['CHOWN', 'NET_RAW'], capAdd: ['NET_ADMIN'] });
    t.is(r.code, 0, r.stderr);
    const want = capMask([...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_NET_RAW'), 'CAP_NET_ADMIN']);
    t.is(want, '00000000a00415fa');
    t.regex(r.stdout, new RegExp(`CapEff:\\s+${want}`));
  });

  test(`${rt}: mounting fails without CAP_SYS_ADMIN and works when privileged`, async (t) => {
    const script = 'mount -t tmpfs x /mnt && echo mounted';
    const confined = await runContainer(rt, script);
    t.not(confined.code, 0);
    t.notRegex(confined.stdout, /mounted/);
    const privileged = await runContainer(rt, script, { privileged: true });
    t.is(privileged.code, 0, privileged.stderr);
    t.regex(privileged.stdout, /mounted/);
  });

  test(`${rt}: mknod fails by default; with CAP_MKNOD a node outside the device allow-list cannot be opened`, async (t) => {
    const byDefault = await runContainer(rt, 'mknod /tmp/x c 1 3');
    t.not(byDefault.code, 0);
    t.regex(byDefault.stderr, /not permitted/i);
    const asNobody = await runContainer(rt, 'mknod /tmp/x c 1 3', { user: 'nobody', capAdd: ['MKNOD'] });
    t.not(asNobody.code, 0);
    // Given CAP_MKNOD, creating a node works, as in Docker; the device cgroup
    // is what keeps the disk (block 8:0) closed.
    const blocked = await runContainer(rt, 'mknod /tmp/sda b 8 0 && head -c 1 /tmp/sda', { capAdd: ['MKNOD'] });
    t.not(blocked.code, 0);
    t.regex(blocked.stderr, /not permitted/i);
    const allowed = await runContainer(rt, 'mknod /tmp/null c 1 3 && echo hi > /tmp/null && echo ok', { capAdd: ['MKNOD'] });
    t.is(allowed.code, 0, allowed.stderr);
  });

  test(`${rt}: /proc/sys and /proc/sysrq-trigger are read-only, masked paths read empty`, async (t) => {
    const script = 'echo changed > /proc/sys/kernel/hostname && echo wrote-sys; echo h > /proc/sysrq-trigger && echo wrote-sysrq; echo keys=$(head -c 64 /proc/keys | grep -c .)';
    const confined = await runContainer(rt, script);
    t.notRegex(confined.stdout, /wrote-sys/);
    t.notRegex(confined.stdout, /wrote-sysrq/);
    t.regex(confined.stdout, /keys=0/);
    // The control: without the defaults (privileged) the same write goes through.
    const privileged = await runContainer(rt, script, { privileged: true });
    t.regex(privileged.stdout, /wrote-sys/);
  });

  test(`${rt}: a 32m memory limit kills a process allocating 100MB (exit 137)`, async (t) => {
    const script = 'awk "BEGIN { s = sprintf(\\"%104857600s\\", \\"\\"); print length(s) }"';
    const limited = await runContainer(rt, script, { memory: 32 * 1024 * 1024 });
    t.is(limited.code, 137);
    const unlimited = await runContainer(rt, script);
    t.is(unlimited.code, 0, unlimited.stderr);
    t.regex(unlimited.stdout, /104857600/);
  });

  test(`${rt}: a pids limit of 50 contains a fork bomb`, async (t) => {
    // PID 1 becomes sleep, so the container outlives the bomb's shells (which die on "can't fork").
    const { id, bundle } = await bundleFor('bomb() { bomb | bomb & }; bomb & exec sleep 30', { pidsLimit: 50 });
    const state = path.join(work, 'state');
    const child = spawn(rt, ['--root', state, 'run', '--bundle', bundle, id], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let peak = 0;
    let limit: number;
    let hits: number;
    try {
      // Up to 15 s: on a loaded host the runtime and the bomb start slowly.
      for (let i = 0; i < 150 && (await readPidsLimitHits(`${CGROUP_PARENT}/${id}`)) === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const s = await readStats(`${CGROUP_PARENT}/${id}`).catch(() => null);
        // The runtime makes the cgroup before it writes pids.max: a sample in between reads "max".
        if (!s || s.pidsLimit === 0) continue;
        t.is(s.pidsLimit, 50);
        peak = Math.max(peak, s.pids);
        if (peak > 50) break;
      }
      hits = await readPidsLimitHits(`${CGROUP_PARENT}/${id}`);
      limit = (await readStats(`${CGROUP_PARENT}/${id}`)).pidsLimit;
    } finally {
      await run(rt, ['--root', state, 'kill', id, 'KILL'], { allowFailure: true });
      child.stdin!.end();
      await exited;
    }
    t.is(limit, 50, 'the cgroup shows pids.max = 50');
    t.true(hits > 0, `the limit refused forks (peak ${peak}); ${rt} said: ${stderr.slice(0, 400)}`);
    t.true(peak <= 50, `the bomb reached ${peak} processes`);
  });

  test(`${rt}: the process runs as the named user with its groups, env and rlimits`, async (t) => {
    const r = await runContainer(rt, 'id; echo "HOME=$HOME PATH=$PATH HOSTNAME=$HOSTNAME"; ulimit -n', { user: 'nobody' });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /uid=65534\(nobody\) gid=65534\(nobody\)/);
    t.regex(r.stdout, /HOME=\/home PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin HOSTNAME=spec-/);
    const { nofileHard } = await readHostLimits();
    t.regex(r.stdout, new RegExp(`^${Math.min(nofileHard, 1048576)}$`, 'm'));
  });
}

/** A SpecInput without touching the host, for the pure checks below. */
function pureInput(options: Partial<CreateOptions> = {}, extra: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'a'.repeat(64),
    config: { Cmd: ['sh'], Env: ['FOO=1', 'PATH=/custom'], Hostname: 'abc', Tty: true, OpenStdin: false, StdinOnce: false, Image: 'busybox' },
    options: { image: 'busybox', ...options },
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    cgroupParent: '/tspaas/',
    seccompProfile: null,
    host: { nofileHard: 20000, caps: ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE') },
    ...extra,
  };
}

test('the spec has an explicit cgroup path, limits and Docker defaults', (t) => {
  const spec = buildSpec(pureInput({ memory: 64 * 1024 * 1024, nanoCpus: 1.5e9, pidsLimit: 100, networkMode: 'none' }));
  t.is(spec.ociVersion, '1.0.2');
  t.is(spec.linux.cgroupsPath, `/tspaas/${'a'.repeat(64)}`);
  t.deepEqual(spec.linux.resources.memory, { limit: 64 * 1024 * 1024, swap: 64 * 1024 * 1024 });
  t.deepEqual(spec.linux.resources.cpu, { quota: 150000, period: 100000 });
  t.deepEqual(spec.linux.resources.pids, { limit: 100 });
  // Part 4 of issue 13: the CPU weight, clamped to the kernel's 2..262144 as cgroup v1 does.
  t.deepEqual(buildSpec(pureInput({ cpuShares: 512 })).linux.resources.cpu, { shares: 512 });
  t.deepEqual(buildSpec(pureInput({ cpuShares: 1, nanoCpus: 1e9 })).linux.resources.cpu, { quota: 100000, period: 100000, shares: 2 });
  t.deepEqual(buildSpec(pureInput({ cpuShares: 1e6 })).linux.resources.cpu, { shares: 262144 });
  t.is(buildSpec(pureInput({})).linux.resources.cpu, undefined, 'no --cpu-shares: the kernel default (1024), as Docker leaves it');
  t.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }]);
  t.deepEqual(spec.process.env, ['PATH=/custom', 'HOSTNAME=abc', 'TERM=xterm', 'FOO=1', 'HOME=/root']);
  t.true(spec.process.noNewPrivileges);
  t.is(spec.process.oomScoreAdj, 0);
  t.deepEqual(spec.linux.namespaces.map((n) => n.type), ['pid', 'mount', 'uts', 'ipc', 'network']);
  t.deepEqual(spec.linux.resources.devices[0], { allow: false, access: 'rwm' });
  t.true(spec.linux.readonlyPaths.includes('/proc/sysrq-trigger'));
  t.true(spec.linux.maskedPaths.includes('/proc/kcore'));
  const devpts = spec.mounts.find((m) => m.destination === '/dev/pts')!;
  t.true(devpts.options.includes('newinstance') && devpts.options.includes('ptmxmode=0666'));
  t.true(spec.mounts.find((m) => m.destination === '/dev/shm')!.options.includes('size=67108864'));
});

test('host network, netns paths, /etc files and user mounts', (t) => {
  t.false(buildSpec(pureInput({ networkMode: 'host' })).linux.namespaces.some((n) => n.type === 'network'));
  const joined = buildSpec(pureInput({}, { netnsPath: '/run/netns/x', etcFiles: { hosts: '/r/hosts', resolvConf: '/r/resolv' } }));
  t.deepEqual(joined.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/run/netns/x' });
  t.deepEqual(joined.mounts.find((m) => m.destination === '/etc/hosts'), { destination: '/etc/hosts', type: 'bind', source: '/r/hosts', options: ['rbind', 'rprivate', 'rw'] });
  t.falsy(joined.mounts.find((m) => m.destination === '/etc/hostname'));
  const spec = buildSpec(pureInput({
    mounts: [
      { type: 'bind', source: '/srv/a/b', target: '/data/sub', readOnly: true },
      { type: 'volume', source: '/var/lib/v/x', target: '/data', readOnly: false },
      { type: 'tmpfs', source: '', target: '/dev/shm', readOnly: false, options: ['size=1m'] },
    ],
  }));
  const dests = spec.mounts.map((m) => m.destination);
  t.true(dests.indexOf('/data') < dests.indexOf('/data/sub'));
  t.is(dests.filter((d) => d === '/dev/shm').length, 1);
  t.deepEqual(spec.mounts.find((m) => m.destination === '/dev/shm')!.options, ['nosuid', 'nodev', 'noexec', 'mode=1777', 'size=1m']);
  t.deepEqual(spec.mounts.find((m) => m.destination === '/data/sub')!.options, ['rbind', 'rprivate', 'ro']);
  t.throws(() => buildSpec(pureInput({ mounts: [{ type: 'bind', source: 'rel', target: '/x', readOnly: false }] })), { message: /absolute/ });
});

test('capability rules follow Docker: ALL, drops, adds, privileged, host limits', (t) => {
  const host = { nofileHard: 1024, caps: ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE') };
  t.deepEqual(resolveCapabilities({ host }), [...DEFAULT_CAPABILITIES]);
  t.deepEqual(resolveCapabilities({ host, capDrop: ['ALL'], capAdd: ['chown', 'CAP_KILL'] }), ['CAP_CHOWN', 'CAP_KILL']);
  const all = resolveCapabilities({ host, capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] });
  t.false(all.includes('CAP_SYS_ADMIN'));
  t.false(all.includes('CAP_SYS_RESOURCE'));
  t.is(all.length, ALL_CAPABILITIES.length - 2);
  t.is(resolveCapabilities({ host, privileged: true }).length, ALL_CAPABILITIES.length - 1);
  t.throws(() => resolveCapabilities({ host, capAdd: ['SYS_RESOURCE'] }), { message: /CAP_SYS_RESOURCE/ });
  t.throws(() => resolveCapabilities({ host, capAdd: ['NOPE'] }), { message: /unknown capability/ });
});

test('seccomp follows the container capabilities; privileged is unconfined', async (t) => {
  const profile = await loadSeccompProfile();
  const names = (s: OciSpec) => new Set(s.linux.seccomp!.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names));
  t.false(names(buildSpec(pureInput({}, { seccompProfile: profile }))).has('bpf'));
  t.true(names(buildSpec(pureInput({ capAdd: ['SYS_ADMIN'] }, { seccompProfile: profile }))).has('bpf'));
  t.is(buildSpec(pureInput({ privileged: true }, { seccompProfile: profile })).linux.seccomp, undefined);
});

test('invalid limits and empty commands are refused', (t) => {
  t.throws(() => buildSpec(pureInput({ memory: 1024 })), { message: /minimum memory/ });
  t.throws(() => buildSpec(pureInput({ nanoCpus: 1000 })), { message: /0\.01/ });
  t.throws(() => buildSpec({ ...pureInput(), config: { ...pureInput().config, Cmd: [] } }), { message: /no command/ });
});
