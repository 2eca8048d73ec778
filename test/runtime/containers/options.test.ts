/** Run options and per-container operations against the real engine. */
import test from 'ava';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { startTestEngine, runToEnd } from '../../helpers/engine.js';
import type { Engine } from '../../../runtime/types.js';

async function tarEntries(s: Readable): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = tarStream.extract();
  ex.on('entry', (h, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => chunks.push(c as Buffer));
    body.on('end', () => { out.set(h.name, Buffer.concat(chunks).toString()); next(); });
  });
  s.pipe(ex);
  await new Promise<void>((r, j) => { ex.on('finish', () => r()); ex.on('error', j); });
  return out;
}

async function running(e: Engine, cmd: string[]) {
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd });
  await e.startContainer(c.record.id);
  return c.record.id;
}

test('bind mounts, named volumes (kept across containers), read-only root, tmpfs', async (t) => {
  const te = await startTestEngine();
  const host = await mkdtemp(path.join(os.tmpdir(), 'bind-'));
  t.teardown(async () => { await te.cleanup(); await rm(host, { recursive: true, force: true }); });
  await writeFile(path.join(host, 'in.txt'), 'from host\n');
  const r = await runToEnd(te.engine, {
    image: 'busybox', readOnlyRootfs: true,
    mounts: [
      { type: 'bind', source: host, target: '/h', readOnly: false },
      { type: 'volume', source: 'data', target: '/data', readOnly: false },
      { type: 'tmpfs', source: '', target: '/scratch', readOnly: false, options: ['size=1m'] },
    ],
    cmd: ['sh', '-c', 'cat /h/in.txt; echo out > /h/out.txt; echo kept > /data/k; echo s > /scratch/s && echo tmpfs-ok; touch /root-write 2>/dev/null || echo ro-root'],
  });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, 'from host\ntmpfs-ok\nro-root\n');
  t.is(await readFile(path.join(host, 'out.txt'), 'utf8'), 'out\n');
  const r2 = await runToEnd(te.engine, { image: 'busybox', mounts: [{ type: 'volume', source: 'data', target: '/d', readOnly: true }], cmd: ['sh', '-c', 'cat /d/k; echo x > /d/y 2>/dev/null || echo ro-volume'] });
  t.is(r2.stdout, 'kept\nro-volume\n');
  t.true((await te.engine.listVolumes()).some((v) => v.name === 'data'));
  await t.throwsAsync(() => te.engine.removeVolume('data'), { message: /in use/ });
  for (const c of await te.engine.listContainers({ all: true })) await te.engine.removeContainer(c.record.id);
  await te.engine.removeVolume('data');
  t.false((await te.engine.listVolumes()).some((v) => v.name === 'data'));
});

test('user, working dir, env and entrypoint override', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const r = await runToEnd(te.engine, {
    image: 'busybox', user: 'nobody', workingDir: '/tmp', env: ['GREETING=hello'], entrypoint: ['sh', '-c'],
    cmd: ['id -u; pwd; echo $GREETING'],
  });
  t.is(r.stdout, '65534\n/tmp\nhello\n');
});

test('pause/unpause, top, stats, rename, label filters', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd: ['sleep', '300'], labels: { team: 'a' }, name: 'one' });
  await e.startContainer('one');
  const top = await e.topContainer('one');
  t.true(top.processes.some((p) => p.at(-1) === 'sleep 300'));
  const s = await e.statsContainer('one');
  t.true(s.memoryUsage > 0);
  t.is(s.pids, 1);
  await e.pauseContainer('one');
  t.is((await e.getContainer('one')).state.status, 'paused');
  await e.unpauseContainer('one');
  t.is((await e.getContainer('one')).state.status, 'running');
  await e.renameContainer('one', 'two');
  t.is((await e.getContainer('two')).record.id, c.record.id);
  t.is((await e.listContainers({ label: ['team=a'] })).length, 1);
  t.is((await e.listContainers({ label: ['team=b'] })).length, 0);
  t.is((await e.listContainers({ status: ['exited'] })).length, 0);
  await t.throwsAsync(() => e.removeContainer('two'), { message: /cannot remove a running container/ });
  await e.killContainer('two', 'KILL');
  t.is((await e.waitContainer('two')).exitCode, 137);
});

test('cp both ways and export', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  const id = await running(e, ['sleep', '300']);
  const pack = tarStream.pack();
  pack.entry({ name: 'hello.txt' }, 'hi there\n');
  pack.finalize();
  await e.putArchive(id, '/tmp', Readable.from(pack));
  const { stat, tar } = await e.getArchive(id, '/tmp/hello.txt');
  t.is(stat.name, 'hello.txt');
  t.is((await tarEntries(tar)).get('hello.txt'), 'hi there\n');
  const evil = tarStream.pack();
  evil.entry({ name: '../../escape.txt' }, 'x');
  evil.finalize();
  await t.throwsAsync(() => e.putArchive(id, '/tmp', Readable.from(evil)), { message: /escape|\.\./ });
  const exported = await tarEntries(await e.exportContainer(id));
  t.is(exported.get('tmp/hello.txt'), 'hi there\n');
  t.true(exported.has('bin/busybox'));
});

test('--cpus becomes a CFS quota in the container\'s own cgroup', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const r = await runToEnd(te.engine, {
    image: 'busybox', nanoCpus: 0.5e9,
    cmd: ['sh', '-c', 'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'],
  });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout.trim(), '50000 100000');
});

// Part 4 of issue 13: every container has a CPU weight; no limit above what the host has.
test('--cpu-shares sets the cgroup\'s CPU weight; without it the kernel\'s default 1024 holds', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  // v1: cpu.shares as given; v2: cpu.weight converted as runc does (1 + (512 - 2) * 9999 / 262142 = 20; default 100).
  const read = ['sh', '-c', 'cat /sys/fs/cgroup/cpu.weight 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.shares'];
  const weighted = await runToEnd(te.engine, { image: 'busybox', cpuShares: 512, cmd: read });
  t.is(weighted.exitCode, 0, weighted.stderr);
  t.true(['512', '20'].includes(weighted.stdout.trim()), weighted.stdout);
  const plain = await runToEnd(te.engine, { image: 'busybox', cmd: read });
  t.true(['1024', '100'].includes(plain.stdout.trim()), plain.stdout);
  await t.throwsAsync(() => te.engine.createContainer({ image: 'busybox', cmd: ['true'], cpuShares: -1 }), { message: /invalid CPU shares \(-1\)/ });
});

test('a memory limit above the host\'s memory, or more CPUs than it has, is refused at create', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox');
  // The report: `run -s 1000G` set a 1000 GB limit on a 24 GB host.
  const huge = await t.throwsAsync(() => te.engine.createContainer({ image: 'busybox', cmd: ['true'], memory: 1000 * 1024 ** 3 }));
  t.regex(huge!.message, /^memory limit 1000 GiB is larger than this host's memory \(\d+(\.\d)? GiB\)$/);
  const cpus = os.availableParallelism();
  await t.throwsAsync(() => te.engine.createContainer({ image: 'busybox', cmd: ['true'], nanoCpus: (cpus + 1) * 1e9 }),
    { message: `range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available` });
  t.deepEqual(await te.engine.listContainers({ all: true }), [], 'nothing is left of a refused create');
  const fits = await runToEnd(te.engine, { image: 'busybox', cmd: ['true'], memory: os.totalmem(), nanoCpus: cpus * 1e9 });
  t.is(fits.exitCode, 0, 'the host\'s whole memory and every CPU are still allowed');
});
