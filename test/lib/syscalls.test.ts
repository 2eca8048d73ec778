/**
 * The resident syscall helper (lib/syscalls.ts) against the real kernel:
 * mounts, lazy and plain unmounts, network namespaces, btrfs subvolumes with
 * a qgroup limit, errors with their errno, many calls at once, and a helper
 * killed under a pending call.
 */
import test from 'ava';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../lib/exec.js';
import { isKind } from '../../lib/errors.js';
import * as sys from '../../lib/syscalls.js';
import { privateQuotaStore } from '../helpers/quota-store.js';

const mounted = (p: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === p);

async function tempDir(t: { teardown(fn: () => Promise<void>): void }, under = os.tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(under, 'tsp-sys-'));
  t.teardown(async () => {
    await run('umount', ['-R', '-l', dir], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

test('mount and umount2: a tmpfs with its flags and data; unmounting what is not mounted is EINVAL', async (t) => {
  const dir = await tempDir(t);
  const m = path.join(dir, 'm');
  mkdirSync(m);
  await sys.mount('none', m, 'tmpfs', sys.MOUNT_FLAGS.nosuid | sys.MOUNT_FLAGS.nodev, 'size=1m,mode=0711');
  t.true(mounted(m));
  t.is((statSync(m).mode & 0o777).toString(8), '711');
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === m)!;
  t.regex(line, /nosuid,nodev/);
  await sys.umount(m);
  t.false(mounted(m));
  const err = await t.throwsAsync(sys.umount(m));
  t.true(err instanceof sys.SyscallError);
  t.is((err as sys.SyscallError).code, 'EINVAL');
  t.regex(err!.message, /umount .*: Invalid argument/);
  const missing = await t.throwsAsync(sys.mount('none', path.join(dir, 'nowhere'), 'tmpfs', 0, ''));
  t.is((missing as sys.SyscallError).code, 'ENOENT');
});

test('a busy mount is EBUSY; MNT_DETACH detaches it', async (t) => {
  const dir = await tempDir(t);
  const m = path.join(dir, 'm');
  mkdirSync(m);
  await sys.mount('none', m, 'tmpfs', 0, '');
  const holder = await import('node:fs/promises').then((f) => f.open(path.join(m, 'held'), 'w'));
  t.teardown(() => holder.close());
  t.is(((await t.throwsAsync(sys.umount(m))) as sys.SyscallError).code, 'EBUSY');
  await sys.umount(m, sys.MNT_DETACH);
  t.false(mounted(m));
});

test('a network namespace bound on a file has only lo, up, and IPv6 off', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'ns');
  writeFileSync(file, '');
  await sys.bindNewNetns(file);
  t.true(mounted(file));
  const inside = await run('nsenter', [`--net=${file}`, 'sh', '-c', 'ip -o link; cat /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6']);
  t.regex(inside.stdout, /^1: lo: <LOOPBACK,UP,LOWER_UP> /m);
  t.notRegex(inside.stdout, /^2: /m);
  t.regex(inside.stdout, /^1\n1\n$/m);
  // control: the host's own namespace is another one
  t.not((await run('readlink', ['/proc/self/ns/net'])).stdout, (await run('nsenter', [`--net=${file}`, 'readlink', '/proc/self/ns/net'])).stdout);
  await sys.umount(file);
});

test('a btrfs subvolume with a qgroup limit: its mode, the limit btrfs reports, EEXIST for an existing one', async (t) => {
  const store = await privateQuotaStore('256M', 'btrfs');
  t.teardown(() => store.cleanup());
  const dir = path.join(store.dir, 'layer');
  await sys.btrfsSubvolume(dir, 0o700, 5 * 1024 * 1024);
  t.is(statSync(dir).ino, 256, 'a subvolume root');
  t.is((statSync(dir).mode & 0o777).toString(8), '700');
  const show = await run('btrfs', ['qgroup', 'show', '-rf', '--raw', dir]);
  t.regex(show.stdout, /^0\/\d+\s+\d+\s+\d+\s+5242880\s/m);
  const again = await t.throwsAsync(sys.btrfsSubvolume(dir, 0o700, 0));
  t.is((again as sys.SyscallError).code, 'EEXIST');
  // without a limit: a subvolume, no limit
  await sys.btrfsSubvolume(path.join(store.dir, 'free'), 0o755, 0);
  t.regex((await run('btrfs', ['qgroup', 'show', '-rf', '--raw', path.join(store.dir, 'free')])).stdout, /^0\/\d+\s+\d+\s+\d+\s+none\s/m);
  // control: not on btrfs (a tmpfs), it fails with the kernel's error
  const plain = await tempDir(t, '/dev/shm');
  t.truthy(((await t.throwsAsync(sys.btrfsSubvolume(path.join(plain, 'x'), 0o700, 0))) as sys.SyscallError).code);
});

test('arguments with a NUL byte are refused before they reach the helper', async (t) => {
  const err = await t.throwsAsync(sys.mount('none', '/tmp/a\0b', 'tmpfs', 0, ''));
  t.is((err as sys.SyscallError).code, 'EINVAL');
});

test('many calls at once: all done, by at most MAX_HELPERS helpers', async (t) => {
  const dir = await tempDir(t);
  const targets = Array.from({ length: 24 }, (_, i) => path.join(dir, `m${i}`));
  for (const m of targets) mkdirSync(m);
  await Promise.all(targets.map((m) => sys.mount('none', m, 'tmpfs', 0, '')));
  t.true(sys.helperPids().length <= sys.MAX_HELPERS);
  t.true(targets.every(mounted));
  await Promise.all(targets.map((m) => sys.umount(m)));
  t.false(targets.some(mounted));
});

// Serial: ava runs it before the others, so no other test's call is under way when the helpers die.
test.serial('a helper killed under a pending call: the call fails with Unavailable, the next one gets a new helper', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'ns');
  writeFileSync(file, '');
  await sys.umount(dir).catch(() => undefined); // a helper is up
  const pids = sys.helperPids();
  t.true(pids.length > 0);
  const pending = sys.bindNewNetns(file);
  for (const pid of sys.helperPids()) process.kill(pid, 'SIGKILL');
  const err = await pending.then(() => null, (e: unknown) => e);
  // the namespace may have been made just before the kill; if the call failed, it says why
  if (err) {
    t.true(isKind(err, 'Unavailable'));
    t.regex((err as Error).message, /syscall helper \(perl\) was killed by SIGKILL/);
  }
  await sys.umount(file).catch(() => undefined);
  const m = path.join(dir, 'after');
  mkdirSync(m);
  await sys.mount('none', m, 'tmpfs', 0, '');
  t.true(mounted(m));
  t.false(sys.helperPids().some((p) => pids.includes(p)));
  await sys.umount(m);
});

test('idmapped overlays: each shows the shared layer under its own map, the layer itself unchanged', async (t) => {
  const dir = await tempDir(t);
  const layer = path.join(dir, 'layer');
  mkdirSync(layer);
  writeFileSync(path.join(layer, 'file'), 'x');
  const mountWith = async (name: string, hostId: number) => {
    const [target, upper, work, scratch] = ['target', 'upper', 'work', 'scratch'].map((d) => path.join(dir, name, d));
    for (const d of [target, upper, work, path.join(scratch, '0')]) mkdirSync(d, { recursive: true });
    const map = `0 ${hostId} 65536\n`;
    await sys.idmappedOverlay(map, map, target, `lowerdir=${path.join(scratch, '0')},upperdir=${upper},workdir=${work}`, [layer, path.join(scratch, '0')]);
    return target;
  };
  const a = await mountWith('a', 100000);
  const b = await mountWith('b', 200000);
  // the same maps again: the helper's kept namespace serves it
  const a2 = await mountWith('a2', 100000);
  t.is(statSync(path.join(a, 'file')).uid, 100000);
  t.is(statSync(path.join(b, 'file')).uid, 200000);
  t.is(statSync(path.join(a2, 'file')).uid, 100000);
  t.is(statSync(path.join(layer, 'file')).uid, 0, 'the layer is unchanged');
  t.false(mounted(path.join(dir, 'a', 'scratch', '0')), 'the clone is detached once the overlay holds it');
  for (const m of [a, b, a2]) await sys.umount(m);
});
