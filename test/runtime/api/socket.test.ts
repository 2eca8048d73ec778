import test from 'ava';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { lookupGroupId, prepareSocketPath, secureSocket } from '../../../runtime/api/socket.js';
import { isKind } from '../../../lib/errors.js';

async function tmp(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-sock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('group names resolve through the group file', async (t) => {
  const dir = await tmp(t);
  const file = path.join(dir, 'group');
  await writeFile(file, 'root:x:0:\ndocker:x:998:alice,bob\n');
  t.is(await lookupGroupId('docker', file), 998);
  t.is(await lookupGroupId('1234', file), 1234);
  t.true(isKind(await t.throwsAsync(lookupGroupId('nope', file)), 'Invalid'));
});

test('a stale socket is removed, a live one or a regular file is not', async (t) => {
  const dir = await tmp(t);
  const sock = path.join(dir, 'sub', 'engine.sock');
  await prepareSocketPath(sock);
  const server = net.createServer().listen(sock);
  await new Promise((r) => server.once('listening', r));
  t.true(isKind(await t.throwsAsync(prepareSocketPath(sock)), 'Conflict'));
  // Closing a net.Server unlinks its socket; a killed server leaves it behind.
  await new Promise((r) => server.close(r));
  const script = `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', script]);
  t.true((await stat(sock)).isSocket());
  await prepareSocketPath(sock);
  await t.throwsAsync(stat(sock), { code: 'ENOENT' });
  const file = path.join(dir, 'file');
  await writeFile(file, '');
  t.true(isKind(await t.throwsAsync(prepareSocketPath(file)), 'Conflict'));
});

test('permissions: 0600 root, or 0660 root:group', async (t) => {
  const dir = await tmp(t);
  const sock = path.join(dir, 's.sock');
  const server = net.createServer().listen(sock);
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  await secureSocket(sock, undefined);
  t.is((await stat(sock)).mode & 0o777, 0o600);
  await secureSocket(sock, 12345);
  const st = await stat(sock);
  t.is(st.mode & 0o777, 0o660);
  t.is(st.gid, 12345);
  t.is(st.uid, 0);
});
