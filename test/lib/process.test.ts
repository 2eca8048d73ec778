/** Pid files as tspaasd, `tspaas up` and the embedded servers write them, read by the one reader (lib/process.ts). */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { isAlive, livePid, pidExists } from '../../lib/process.js';

test('the pid of a live process; undefined without a file, for a process gone, or for text that is no pid', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-pid-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.pid');
  t.is(await livePid(file), undefined, 'no file');
  await writeFile(file, `${process.pid}\n`);
  t.is(await livePid(file), process.pid);
  // postmaster.pid: the pid on the first line, the data dir and more below
  await writeFile(file, `${process.pid}\n/var/lib/postgresql/data\n1700000000\n`);
  t.is(await livePid(file), process.pid);
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  await writeFile(file, `${child.pid}\n`);
  t.false(isAlive(child.pid!));
  t.is(await livePid(file), undefined, 'a process that exited');
  for (const junk of ['', 'abc\n', '-1\n', '0\n', '1.5\n']) {
    await writeFile(file, junk);
    t.is(await livePid(file), undefined, JSON.stringify(junk));
  }
});

test('a pid file that cannot be read (a directory) is an error, not "not running"', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-pid-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'x.pid'));
  await t.throwsAsync(livePid(path.join(dir, 'x.pid')), { code: 'EISDIR' });
});

test('a zombie is not alive (isAlive), but its pid exists until it is reaped (pidExists)', async (t) => {
  // `sleep 0.2` runs in the background of a shell that has become `sleep 5` by the time it exits, which never reaps it: a zombie till then.
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => { parent.kill('SIGKILL'); });
  const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', (b: Buffer) => r(b.toString()))));
  for (let i = 0; i < 100 && !/^\d+ \(.*\) Z/s.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')); i++) await sleep(20);
  t.regex(await readFile(`/proc/${pid}/stat`, 'utf8'), /^\d+ \(.*\) Z/s, 'the background child is a zombie');
  t.false(isAlive(pid));
  t.true(pidExists(pid));
});
