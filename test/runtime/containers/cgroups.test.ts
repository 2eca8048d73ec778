/**
 * Cgroup mode detection and accounting, read from real cgroups that the test
 * makes by hand (as a runtime would) with real processes in them.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isErrno, isKind } from '../../../lib/errors.js';
import { run } from '../../../lib/exec.js';
import {
  parseCgroupMounts, detectCgroups, canRunCrun, cgroupDirs, readStats, readOomKills, listPids,
  readSystemCpuNs, onlineCpus, sampleStats, type CgroupLayout,
} from '../../../runtime/containers/cgroups.js';
import { prepareHost } from '../../../runtime/host.js';

const PARENT = `/tspaas-test-cgroups-${process.pid}`;

const HYBRID = `
25 31 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
33 31 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/my\\040pids rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,pids
`;

test('mountinfo parsing tells v1, hybrid and v2 apart', (t) => {
  const hybrid = parseCgroupMounts(HYBRID);
  t.is(hybrid.mode, 'hybrid');
  t.is(hybrid.unified, '/sys/fs/cgroup/unified');
  t.is(hybrid.v1.cpu, '/sys/fs/cgroup/cpu,cpuacct');
  t.is(hybrid.v1.cpuacct, '/sys/fs/cgroup/cpu,cpuacct');
  t.is(hybrid.v1['name=systemd'], '/sys/fs/cgroup/systemd');
  t.is(hybrid.v1.pids, '/sys/fs/cgroup/my pids');
  t.false('xattr' in hybrid.v1);

  const v1 = parseCgroupMounts(HYBRID.split('\n').filter((l) => !l.includes('cgroup2')).join('\n'));
  t.is(v1.mode, 'v1');
  t.is(v1.unified, null);

  const v2 = parseCgroupMounts('30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n');
  t.deepEqual(v2, { mode: 'v2', unified: '/sys/fs/cgroup', v1: {} });
  t.true(isKind(t.throws(() => parseCgroupMounts('25 31 0:23 / /sys rw - sysfs sysfs rw\n')), 'Unavailable'));
});

test('this host is detected as the kernel reports it', async (t) => {
  const layout = await detectCgroups();
  const fsType = async (p: string) => (await run('stat', ['-f', '-c', '%T', p], { allowFailure: true })).stdout.trim();
  const root = await fsType('/sys/fs/cgroup');
  if (root === 'cgroup2fs') t.is(layout.mode, 'v2');
  else t.is(layout.mode, (await fsType('/sys/fs/cgroup/unified')) === 'cgroup2fs' ? 'hybrid' : 'v1');
});

test('crun is refused exactly when a hybrid cgroup2 tree owns controllers', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-cg-'));
  t.teardown(() => fsp.rm(dir, { recursive: true }));
  const layout: CgroupLayout = { mode: 'hybrid', unified: dir, v1: { memory: '/x' } };
  await fsp.writeFile(path.join(dir, 'cgroup.controllers'), 'hugetlb\n');
  t.false(await canRunCrun(layout));
  await fsp.writeFile(path.join(dir, 'cgroup.controllers'), '\n');
  t.true(await canRunCrun(layout));
  t.true(await canRunCrun({ ...layout, mode: 'v2' }));
  await prepareHost();
  t.true(await canRunCrun());
});

/** Make the cgroup at `cg` with limits, as a runtime would; returns a function that puts a pid in it. */
async function makeCgroup(cg: string, limits: { memory: number; pids: number }): Promise<(pid: number) => Promise<void>> {
  const layout = await detectCgroups();
  if (layout.mode === 'v2') {
    const root = layout.unified!;
    let dir = root;
    for (const part of cg.split('/').filter(Boolean)) {
      await fsp.writeFile(path.join(dir, 'cgroup.subtree_control'), '+memory +pids +cpu');
      dir = path.join(dir, part);
      await fsp.mkdir(dir, { recursive: true });
    }
    await fsp.writeFile(path.join(dir, 'memory.max'), String(limits.memory));
    await fsp.writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => undefined);
    await fsp.writeFile(path.join(dir, 'pids.max'), String(limits.pids));
    return (pid) => fsp.writeFile(path.join(dir, 'cgroup.procs'), String(pid));
  }
  const dirs = await cgroupDirs(cg, layout);
  for (const d of dirs) await fsp.mkdir(d, { recursive: true });
  await fsp.writeFile(path.join(layout.v1.memory, cg, 'memory.limit_in_bytes'), String(limits.memory));
  await fsp.writeFile(path.join(layout.v1.pids, cg, 'pids.max'), String(limits.pids));
  // Only the accounted controllers: a new v1 cpuset cgroup takes no task before its cpus/mems are set.
  const joined = ['memory', 'pids', 'cpuacct'].map((c) => path.join(layout.v1[c], cg));
  return async (pid) => { for (const d of joined) await fsp.writeFile(path.join(d, 'cgroup.procs'), String(pid)); };
}

async function removeCgroup(cg: string): Promise<void> {
  for (const dir of [...await cgroupDirs(cg), ...await cgroupDirs(PARENT)]) {
    await fsp.rmdir(dir).catch((e) => { if (!isErrno(e, 'ENOENT')) throw e; });
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(signal === 'SIGKILL' ? 137 : code)));
}

test.serial('stats, pids and limits come from the container cgroup', async (t) => {
  const cg = `${PARENT}/stats`;
  const join = await makeCgroup(cg, { memory: 64 * 1024 * 1024, pids: 20 });
  // The child waits on its stdin until it is inside the cgroup, then burns some CPU and sleeps.
  const child = spawn('sh', ['-c', 'read go; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.teardown(async () => { child.kill('SIGKILL'); await exited(child); await removeCgroup(cg); });
  await join(child.pid!);
  child.stdin!.write('go\n');
  await new Promise((r) => setTimeout(r, 500));
  const s = await readStats(cg);
  t.is(s.pids, 1);
  t.is(s.pidsLimit, 20);
  t.is(s.memoryLimit, 64 * 1024 * 1024);
  t.true(s.memoryUsage > 0 && s.memoryUsage < 64 * 1024 * 1024);
  t.true(s.cpuTotalNs > 1e6, `cpu ${s.cpuTotalNs}ns`);
  t.deepEqual(await listPids(cg), [child.pid!]);
  t.is(await readOomKills(cg), 0);
  const sample = await sampleStats(cg);
  t.is(sample.onlineCpus, os.cpus().length);
  t.true(sample.systemCpuNs > sample.cpuTotalNs);
});

test.serial('an OOM kill in the cgroup is counted', async (t) => {
  const cg = `${PARENT}/oom`;
  const join = await makeCgroup(cg, { memory: 16 * 1024 * 1024, pids: 20 });
  const child = spawn('sh', ['-c', 'read go; exec busybox awk "BEGIN { s = sprintf(\\"%67108864s\\", \\"\\"); print length(s) }"'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const done = exited(child);
  t.teardown(async () => { child.kill('SIGKILL'); await done; await removeCgroup(cg); });
  await join(child.pid!);
  child.stdin!.write('go\n');
  t.is(await done, 137);
  t.true((await readOomKills(cg)) >= 1);
});

test('a missing cgroup is NotFound; host CPU counters are sane', async (t) => {
  t.true(isKind(await t.throwsAsync(readStats('/tspaas-test-no-such-cgroup')), 'NotFound'));
  t.true(isKind(await t.throwsAsync(readOomKills('/tspaas-test-no-such-cgroup')), 'NotFound'));
  t.true(isKind(await t.throwsAsync(listPids('/tspaas-test-no-such-cgroup')), 'NotFound'));
  const a = await readSystemCpuNs();
  await new Promise((r) => setTimeout(r, 50));
  t.true((await readSystemCpuNs()) > a);
  t.is(await onlineCpus(), os.cpus().length);
});
