/**
 * Containers in their own user namespace (issue 13, part 2), on the real
 * engine with crun: container root is an unprivileged host uid, the image's
 * files look root-owned inside, the writable layer holds host ids, and every
 * tar out of the container (commit, export, cp) holds container ids again.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { usernsOf } from '../../../runtime/containers/userns.js';
import { OVERFLOW_ID } from '../../../runtime/archive/owners.js';
import { isMountPoint } from '../../../runtime/snapshots/mount.js';
import { run } from '../../../lib/exec.js';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine({ runtime: 'crun' });
  await te.engine.ensureImage('busybox');
});
test.after.always(async () => { await te?.cleanup(); });

/** Owner and content of every entry of a tar. */
async function tarOwners(s: Readable): Promise<Map<string, { uid: number; gid: number; body: string }>> {
  const out = new Map<string, { uid: number; gid: number; body: string }>();
  const ex = tarStream.extract();
  ex.on('entry', (h, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => chunks.push(c as Buffer));
    body.on('end', () => { out.set(h.name.replace(/\/$/, ''), { uid: h.uid ?? -1, gid: h.gid ?? -1, body: Buffer.concat(chunks).toString() }); next(); });
  });
  s.pipe(ex);
  await new Promise<void>((r, j) => { ex.on('finish', () => r()); ex.on('error', j); });
  return out;
}

/** A tar with one file per [name, uid]. */
function tarOf(files: [string, number][]): Readable {
  const pack = tarStream.pack();
  for (const [name, uid] of files) pack.entry({ name, uid, gid: uid, mode: 0o640 }, `${name}\n`);
  pack.finalize();
  return pack as unknown as Readable;
}

const SCRIPT = [
  'id -u', 'cat /proc/self/uid_map', 'stat -c %u:%g /bin/busybox /etc/passwd /',
  'echo new > /made', 'mkdir -p /home/app && echo app > /home/app/f && chown -R 1000:1000 /home/app',
].join(' && ');

test('--userns=auto: root inside is a shifted host uid; image files look root-owned; the upper dir holds host ids', async (t) => {
  const r = await runToEnd(te.engine, { image: 'busybox', userns: 'auto', cmd: ['sh', '-c', SCRIPT] });
  t.is(r.exitCode, 0, r.stderr);
  const c = await te.engine.getContainer(r.id);
  const maps = usernsOf(c.record.options)!;
  t.true(maps.auto);
  const base = maps.uidMap[0].hostId;
  t.true(base >= 100000);
  const [uid, map, ...owners] = r.stdout.trim().split('\n');
  t.is(uid, '0');
  t.deepEqual(map.trim().split(/\s+/).map(Number), [0, base, 65536]);
  t.deepEqual(owners, ['0:0', '0:0', '0:0']);
  const upper = path.join(te.config.root, 'snapshots');
  const made = await findUpper(upper, r.id, 'made');
  t.is((await fsp.stat(made)).uid, base);
  t.is((await fsp.stat(path.join(path.dirname(made), 'home/app/f'))).uid, base + 1000);
});

test('commit, export and cp out give container owners; cp in shifts them; the committed image runs root-owned on the host namespace too', async (t) => {
  const r = await runToEnd(te.engine, { image: 'busybox', userns: 'auto', cmd: ['sh', '-c', SCRIPT] });
  t.is(r.exitCode, 0, r.stderr);
  const exported = await tarOwners(await te.engine.exportContainer(r.id));
  t.like(exported.get('made'), { uid: 0, gid: 0, body: 'new\n' });
  t.like(exported.get('bin/busybox'), { uid: 0, gid: 0 });
  t.like(exported.get('home/app/f'), { uid: 1000, gid: 1000 });
  const cp = await tarOwners((await te.engine.getArchive(r.id, '/home/app')).tar);
  t.like(cp.get('app/f'), { uid: 1000, gid: 1000 });

  await te.engine.putArchive(r.id, '/home', tarOf([['in-root', 0], ['in-app', 1000]]));
  const base = usernsOf((await te.engine.getContainer(r.id)).record.options)!.uidMap[0].hostId;
  const home = path.dirname(path.dirname(await findUpper(path.join(te.config.root, 'snapshots'), r.id, 'home/app/f')));
  t.is((await fsp.stat(path.join(home, 'in-root'))).uid, base);
  t.is((await fsp.stat(path.join(home, 'in-app'))).uid, base + 1000);

  // parents the tar does not list are the container root's too, not the engine's (nobody inside)
  await te.engine.putArchive(r.id, '/', tarOf([['new/deep/file', 1000]]));
  const upperRoot = path.dirname(await findUpper(path.join(te.config.root, 'snapshots'), r.id, 'x'));
  t.is((await fsp.stat(path.join(upperRoot, 'new'))).uid, base);
  t.is((await fsp.stat(path.join(upperRoot, 'new/deep'))).uid, base);
  t.is((await fsp.stat(path.join(upperRoot, 'new/deep/file'))).uid, base + 1000);

  const img = await te.engine.commitContainer(r.id, { tag: 'userns-commit:1' });
  const ls = 'stat -c %n=%u /made /home/app/f /home/in-root /home/in-app';
  const host = await runToEnd(te.engine, { image: img.id, cmd: ['sh', '-c', ls] });
  t.is(host.stdout.trim(), '/made=0\n/home/app/f=1000\n/home/in-root=0\n/home/in-app=1000');
  const again = await runToEnd(te.engine, { image: img.id, userns: 'auto', cmd: ['sh', '-c', ls] });
  t.is(again.stdout.trim(), host.stdout.trim());
});

test('a host-owned file inside a namespaced container packs as nobody, as the kernel shows it', async (t) => {
  const c = await te.engine.createContainer({ image: 'busybox', userns: 'auto', cmd: ['true'] });
  const upper = await findUpperDir(path.join(te.config.root, 'snapshots'), c.record.id);
  await fsp.writeFile(path.join(upper, 'hostfile'), 'x'); // owned by host root, outside the map
  const out = await tarOwners(await te.engine.exportContainer(c.record.id));
  t.like(out.get('hostfile'), { uid: OVERFLOW_ID, gid: OVERFLOW_ID });
});

// Source: podman's "potentially insufficient UIDs or GIDs available in user namespace" refusal:
// an id the container's map does not cover cannot be given to a file in it.
test('cp in refuses an owner outside the container\'s map; privileged refuses a user namespace', async (t) => {
  const c = await te.engine.createContainer({ image: 'busybox', userns: 'auto', cmd: ['true'] });
  const err = await t.throwsAsync(te.engine.putArchive(c.record.id, '/', tarOf([['too-high', 70000]])));
  t.regex(err!.message, /uid 70000 is outside the container's user namespace/);
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox', userns: 'auto', privileged: true, cmd: ['true'] }), { message: /privileged/ });
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox', userns: { uidMap: [{ containerId: 0, hostId: 0, size: 65536 }], gidMap: [{ containerId: 0, hostId: 0, size: 65536 }] }, cmd: ['true'] }), { message: /host uid 0/ });
});

test('concurrent auto containers get disjoint ranges; a host-namespace container keeps host ids', async (t) => {
  const made = await Promise.all([1, 2, 3, 4].map(() => te.engine.createContainer({ image: 'busybox', userns: 'auto', cmd: ['true'] })));
  const starts = made.map((c) => usernsOf(c.record.options)!.uidMap[0].hostId).sort((a, b) => a - b);
  for (let i = 1; i < starts.length; i++) t.true(starts[i] >= starts[i - 1] + 65536);
  const plain = await runToEnd(te.engine, { image: 'busybox', cmd: ['cat', '/proc/self/uid_map'] });
  t.deepEqual(plain.stdout.trim().split(/\s+/).map(Number), [0, 0, 4294967295]);
});

test('a fresh named volume belongs to the namespaced container\'s root; one with data keeps its owners', async (t) => {
  const r = await runToEnd(te.engine, { image: 'busybox', userns: 'auto', mounts: [{ type: 'volume', source: 'userns-vol', target: '/data', readOnly: false }], cmd: ['sh', '-c', 'stat -c %u /data && echo kept > /data/f'] });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout, '0\n');
  const again = await runToEnd(te.engine, { image: 'busybox', userns: 'auto', mounts: [{ type: 'volume', source: 'userns-vol', target: '/data', readOnly: false }], cmd: ['sh', '-c', 'stat -c %u /data/f; cat /data/f'] });
  t.is(again.stdout, '65534\nkept\n', 'another range: the file shows as nobody, readable (0644), not given away');
});

test('an engine on runc refuses a user namespace with the reason (runc 1.1 cannot mount /sys in one)', async (t) => {
  const runc = await startTestEngine({ runtime: 'runc' });
  t.teardown(() => runc.cleanup());
  await runc.engine.ensureImage('busybox');
  await t.throwsAsync(runc.engine.createContainer({ image: 'busybox', userns: 'auto', cmd: ['true'] }), { message: /user namespaces need crun/ });
});

// A mount left under the container's run dir (an idmapped layer clone whose helper was killed) must be
// detached, not deleted through, when the container goes: containerd unmounts before RemoveAll for the same reason.
test('removing a container detaches a stale mount under its run dir instead of deleting what it shows', async (t) => {
  const r = await runToEnd(te.engine, { image: 'busybox', userns: 'auto', cmd: ['true'] });
  const precious = await fsp.mkdtemp(path.join(path.dirname(te.config.root), 'precious-'));
  await fsp.writeFile(path.join(precious, 'layer-file'), 'keep me');
  const stale = path.join(te.config.runRoot, 'c', r.id, 'bundle', 'idmap', '0');
  await fsp.mkdir(stale, { recursive: true });
  await run('mount', ['--bind', precious, stale]);
  await te.engine.removeContainer(r.id, { force: true });
  t.is(await fsp.readFile(path.join(precious, 'layer-file'), 'utf8'), 'keep me');
  t.false(await isMountPoint(stale));
});

/** The upper dir of container `id` (under the snapshotter's active dir). */
async function findUpperDir(snapshots: string, id: string): Promise<string> {
  const dir = path.join(snapshots, 'active', id, 'upper');
  await fsp.access(dir);
  return dir;
}

/** Path of `rel` in container `id`'s upper dir. */
async function findUpper(snapshots: string, id: string, rel: string): Promise<string> {
  return path.join(await findUpperDir(snapshots, id), rel);
}
