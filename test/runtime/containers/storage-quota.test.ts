/**
 * Disk is bounded (issue 13, part 5): `--storage-opt size`, the default
 * size, volume `o=size=`, against real containers on the quota filesystem
 * the tests run on (test/helpers/quota-store.ts). Cases after Docker's
 * overlay2 quota tests (moby integration/container "TestContainerQuota…":
 * a write past the limit fails inside, the host is untouched) and the
 * issue's disk-filler noisy neighbour.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isKind } from '../../../lib/errors.js';
import { openDirQuota } from '../../../runtime/quota/detect.js';
import { startTestEngine, runToEnd, TEST_LAYER_SIZE, type TestEngine } from '../../helpers/engine.js';
import { privateQuotaStore } from '../../helpers/quota-store.js';

/** An engine on a quota filesystem of its own, so its free space moves only with what this test writes. */
async function engineOnOwnStore(t: { teardown(fn: () => Promise<void>): void }): Promise<TestEngine> {
  const store = await privateQuotaStore('2G');
  t.teardown(() => store.cleanup());
  const te = await startTestEngine({ under: store.dir });
  t.teardown(() => te.cleanup());
  return te;
}

const MiB = 1024 * 1024;
/** What a write past a quota says: XFS project quotas give ENOSPC, btrfs qgroups EDQUOT. */
const FULL = /No space left on device|Disk quota exceeded/;

/** Free bytes of the filesystem under `dir`. */
async function freeBytes(dir: string): Promise<number> {
  const s = await fsp.statfs(dir);
  return s.bavail * s.bsize;
}

/** Run busybox `sh -c script` to its end. */
function sh(te: TestEngine, script: string, extra: Partial<Parameters<TestEngine['engine']['createContainer']>[0]> = {}) {
  return runToEnd(te.engine, { image: 'busybox', cmd: ['sh', '-c', script], ...extra });
}

test.serial('the engine under test bounds disk: every test container\'s layer carries the suite\'s bound', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const { storageQuota } = await te.engine.info();
  t.not(storageQuota.backend, 'none', storageQuota.reason);
  await te.engine.ensureImage('busybox');
  const c = await te.engine.createContainer({ image: 'busybox', cmd: ['true'] });
  const quota = await openDirQuota(te.config.root, { enabled: true });
  t.is(await quota.limitOf(path.join(te.config.root, 'snapshots', 'active', c.record.id)), TEST_LAYER_SIZE);
});

test.serial('a write past --storage-opt size fails inside the container and the host loses no more than the limit', async (t) => {
  const te = await engineOnOwnStore(t);
  await te.engine.ensureImage('busybox');
  const before = await freeBytes(te.config.root);
  const r = await sh(te, 'dd if=/dev/zero of=/big bs=1M count=2048; sync; ls -l /big', { storageOpt: { size: '16M' } });
  t.regex(r.stderr, FULL);
  t.true(Number(/\s(\d+)\s+\w{3}\s/.exec(r.stdout)?.[1]) <= 16 * MiB, r.stdout);
  t.deepEqual((await te.engine.getContainer(r.id)).record.options.storageOpt, { size: '16M' });
  // 2 GiB asked, 16 MiB allowed: the store's free space drops by about the limit, far from the 2 GiB
  // (the allowance is the filesystem's metadata and the container's own files).
  const dropped = before - (await freeBytes(te.config.root));
  t.log(`free space dropped by ${(dropped / MiB).toFixed(1)} MiB`);
  t.true(dropped < 48 * MiB);
});

test('a container without the option gets the engine default; the Docker default is no limit', async (t) => {
  const bounded = await startTestEngine({ storageQuota: { defaultSize: 12 * MiB } });
  t.teardown(() => bounded.cleanup());
  await bounded.engine.ensureImage('busybox');
  const full = await sh(bounded, 'dd if=/dev/zero of=/big bs=1M count=40');
  t.not(full.exitCode, 0);
  t.regex(full.stderr, FULL);

  const plain = await startTestEngine({ storageQuota: {} });
  t.teardown(() => plain.cleanup());
  await plain.engine.ensureImage('busybox');
  const free = await sh(plain, 'dd if=/dev/zero of=/big bs=1M count=40 && ls -l /big');
  t.is(free.exitCode, 0, free.stderr);
  t.regex(free.stdout, /41943040/);
  t.is(TEST_LAYER_SIZE, 8 * 1024 ** 3); // the suite's other engines bound every layer to this
});

test('bad storage options are refused with a clear message and leave nothing behind', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox');
  const refused = async (storageOpt: Record<string, string>, message: RegExp) => {
    const err = await t.throwsAsync(te.engine.createContainer({ image: 'busybox', cmd: ['true'], storageOpt }));
    t.true(isKind(err, 'Invalid'));
    t.regex(err!.message, message);
  };
  await refused({ size: 'abc' }, /invalid --storage-opt size "abc"/);
  await refused({ size: '-1G' }, /invalid --storage-opt size/);
  await refused({ size: '10k' }, /minimum is 1M/);
  await refused({ size: '1G', inodes: '100' }, /--storage-opt inodes is not supported/);
  t.deepEqual(await te.engine.listContainers({ all: true }), []);
  t.deepEqual(await fsp.readdir(path.join(te.config.root, 'snapshots', 'active')), []);
});

test('an engine without quotas refuses --storage-opt size loudly and says so in info', async (t) => {
  const te = await startTestEngine({ storageQuota: { enabled: false, defaultSize: 16 * MiB } });
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox');
  const err = await t.throwsAsync(te.engine.createContainer({ image: 'busybox', cmd: ['true'], storageOpt: { size: '1G' } }));
  t.true(isKind(err, 'Invalid'));
  t.regex(err!.message, /--storage-opt size is not supported here: quotas are turned off/);
  t.deepEqual((await te.engine.info()).storageQuota, { backend: 'none', reason: 'quotas are turned off in the engine configuration' });
  // Without quotas the default cannot apply: containers still run, unbounded (and info says why).
  t.is((await sh(te, 'dd if=/dev/zero of=/big bs=1M count=20')).exitCode, 0);
});

test('removing a container releases its quota: the space comes back and a new layer gets its own full limit', async (t) => {
  const te = await engineOnOwnStore(t);
  await te.engine.ensureImage('busybox');
  const before = await freeBytes(te.config.root);
  for (let i = 0; i < 3; i++) {
    const r = await sh(te, 'dd if=/dev/zero of=/big bs=1M count=40; sync; ls -l /big', { storageOpt: { size: '24M' } });
    t.regex(r.stderr, FULL);
    const size = Number(/\s(\d+)\s+\w{3}\s/.exec(r.stdout)?.[1]);
    // Each fresh layer holds close to 24M again: nothing of the previous one counts against it.
    t.true(size > 16 * MiB && size <= 24 * MiB, `wrote ${size} bytes`);
    await te.engine.removeContainer(r.id);
    t.false(await fsp.access(path.join(te.config.root, 'snapshots', 'active', r.id)).then(() => true, () => false));
  }
  // Freed blocks return to the filesystem (btrfs drops a deleted subvolume in the background).
  for (const deadline = Date.now() + 30_000; before - (await freeBytes(te.config.root)) > 16 * MiB && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 500));
  }
  t.true(before - (await freeBytes(te.config.root)) <= 16 * MiB);
});

test('noisy neighbour: while one container fills its layer to the limit, another still writes its own files', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox');
  const filler = await te.engine.createContainer({
    image: 'busybox', storageOpt: { size: '32M' },
    cmd: ['sh', '-c', 'i=0; while dd if=/dev/zero of=/f$i bs=1M count=8 2>/dev/null; do i=$((i+1)); done; echo full; sleep 60'],
  });
  await te.engine.startContainer(filler.record.id);
  const full = async () => (await collectLogs(te, filler.record.id)).includes('full');
  for (const deadline = Date.now() + 60_000; !(await full()) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
  t.true(await full(), 'the filler reached its limit');
  const neighbour = await sh(te, 'dd if=/dev/zero of=/mine bs=1M count=8 && echo wrote', { storageOpt: { size: '32M' } });
  t.is(neighbour.exitCode, 0, neighbour.stderr);
  t.regex(neighbour.stdout, /wrote/);
});

test('a volume created with o=size= is bounded; unknown volume options are refused', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox');
  const v = await te.engine.createVolume('bounded', {}, { o: 'size=16M' });
  t.deepEqual(v.options, { o: 'size=16M' });
  const r = await sh(te, 'dd if=/dev/zero of=/data/big bs=1M count=40', { mounts: [{ type: 'volume', source: 'bounded', target: '/data', readOnly: false }] });
  t.not(r.exitCode, 0);
  t.regex(r.stderr, FULL);
  await te.engine.removeContainer(r.id);
  await te.engine.removeVolume('bounded');
  for (const [opts, message] of [[{ o: 'size=abc' }, /invalid volume size "abc"/], [{ type: 'nfs' }, /volume option "type" is not supported/], [{ o: 'uid=1000' }, /only size=<size> is supported/]] as const) {
    const err = await t.throwsAsync(te.engine.createVolume('bad', {}, { ...opts }));
    t.true(isKind(err, 'Invalid'));
    t.regex(err!.message, message);
  }
  t.deepEqual((await te.engine.listVolumes()).map((x) => x.name), []);
});

async function collectLogs(te: TestEngine, id: string): Promise<string> {
  let out = '';
  for await (const line of te.engine.containerLogs(id, { stdout: true, stderr: true })) out += line.data.toString();
  return out;
}
