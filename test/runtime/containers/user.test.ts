/** Resolving a container's user against its own /etc/passwd and /etc/group, never outside its rootfs. */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKind } from '../../../lib/errors.js';
import { run } from '../../../lib/exec.js';
import { resolveUser, resolveInRoot, readFileInRoot } from '../../../runtime/containers/user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1000:App:/home/app:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'broken line',
].join('\n');
const GROUP = ['root:x:0:', 'app:x:1000:', 'wheel:x:10:root,app', 'audio:x:29:app', 'nogroup:x:65534:'].join('\n');

async function rootfsWith(files: Record<string, string>): Promise<string> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-user-'));
  for (const [p, content] of Object.entries(files)) {
    await fsp.mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await fsp.writeFile(path.join(root, p), content);
  }
  return root;
}

test('names, numeric ids and groups resolve as runc does', async (t) => {
  const root = await rootfsWith({ 'etc/passwd': PASSWD, 'etc/group': GROUP });
  t.teardown(() => fsp.rm(root, { recursive: true }));
  t.deepEqual(await resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [10], home: '/root' });
  t.deepEqual(await resolveUser(root, 'app'), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/app' });
  t.deepEqual(await resolveUser(root, '1000'), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/app' });
  t.deepEqual(await resolveUser(root, '4242'), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  t.deepEqual(await resolveUser(root, '4242:77'), { uid: 4242, gid: 77, additionalGids: [], home: '/' });
  t.deepEqual(await resolveUser(root, 'app:audio'), { uid: 1000, gid: 29, additionalGids: [], home: '/home/app' });
  t.deepEqual(await resolveUser(root, 'nobody:0'), { uid: 65534, gid: 0, additionalGids: [], home: '/nonexistent' });
  t.true(isKind(await t.throwsAsync(resolveUser(root, 'ghost')), 'Invalid'));
  t.true(isKind(await t.throwsAsync(resolveUser(root, 'app:ghosts')), 'Invalid'));
  t.true(isKind(await t.throwsAsync(resolveUser(root, 'app:')), 'Invalid'));
});

test('an image without /etc/passwd still runs numeric users', async (t) => {
  const root = await rootfsWith({});
  t.teardown(() => fsp.rm(root, { recursive: true }));
  t.deepEqual(await resolveUser(root, '123:456'), { uid: 123, gid: 456, additionalGids: [], home: '/' });
  t.deepEqual(await resolveUser(root, undefined), { uid: 0, gid: 0, additionalGids: [], home: '/' });
  t.true(isKind(await t.throwsAsync(resolveUser(root, 'root')), 'Invalid'));
});

test('symlinks resolve inside the rootfs, never out of it', async (t) => {
  const outside = await rootfsWith({ 'etc/passwd': 'evil:x:0:0::/:/bin/sh\n' });
  const root = await rootfsWith({ 'real/passwd': PASSWD });
  t.teardown(async () => { await fsp.rm(root, { recursive: true }); await fsp.rm(outside, { recursive: true }); });
  // An absolute link is taken relative to the rootfs.
  await fsp.mkdir(path.join(root, 'etc'));
  await fsp.symlink('/real/passwd', path.join(root, 'etc/passwd'));
  t.is((await resolveUser(root, 'app')).uid, 1000);
  t.is(await resolveInRoot(root, '/etc/../../../../etc/passwd'), path.join(root, 'real/passwd'));
  // A directory link pointing at the host's copy of the files stays inside too.
  await fsp.rm(path.join(root, 'etc'), { recursive: true });
  await fsp.symlink(path.join(outside, 'etc'), path.join(root, 'etc'));
  t.true(isKind(await t.throwsAsync(resolveUser(root, 'evil')), 'Invalid'));
  await fsp.rm(path.join(root, 'etc'));
  await fsp.symlink(`../../../../../../../..${outside}/etc`, path.join(root, 'etc'));
  t.true(isKind(await t.throwsAsync(resolveUser(root, 'evil')), 'Invalid'));
  t.is(await readFileInRoot(root, '/etc/passwd'), undefined);
});

test('a FIFO or device as /etc/passwd is ignored instead of blocking', async (t) => {
  const root = await rootfsWith({ 'etc/group': GROUP });
  t.teardown(() => fsp.rm(root, { recursive: true }));
  await run('mkfifo', [path.join(root, 'etc/passwd')]);
  t.is(await readFileInRoot(root, '/etc/passwd'), undefined);
  t.deepEqual(await resolveUser(root, '7'), { uid: 7, gid: 0, additionalGids: [], home: '/' });
});
