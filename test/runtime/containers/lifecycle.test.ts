/**
 * Container lifecycle against the real engine: conmon, crun/runc, overlayfs.
 * Each test gets its own engine root.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../../lib/exec.js';
import { isMountPoint } from '../../../runtime/snapshots/mount.js';
import { readPidsLimitHits } from '../../../runtime/containers/cgroups.js';
import { timeSeconds } from '../../../runtime/containers/log-records.js';
import { startTestEngine, runToEnd } from '../../helpers/engine.js';
import type { Engine } from '../../../runtime/types.js';

async function collectLogs(engine: Engine, id: string): Promise<string> {
  let s = '';
  for await (const l of engine.containerLogs(id, {})) s += l.data.toString();
  return s;
}

for (const runtime of ['crun', 'runc'] as const) {
  test(`${runtime}: output, exit code, PID 1 and hostname are the container's`, async (t) => {
    const te = await startTestEngine({ runtime });
    t.teardown(() => te.cleanup());
    const r = await runToEnd(te.engine, {
      image: 'busybox', cmd: ['sh', '-c', 'echo hi; echo oops >&2; ps -o pid,args; hostname; exit 3'], hostname: 'box1',
    });
    t.is(r.exitCode, 3);
    t.regex(r.stdout, /^hi\n/);
    t.is(r.stderr, 'oops\n');
    const ps = r.stdout.split('\n').slice(2).filter((l) => /^\s*\d+/.test(l));
    t.regex(ps[0], /^\s*1\s+sh -c/, 'the command is PID 1');
    t.is(ps.length, 2, `only the container's processes: ${ps.join(' | ')}`);
    t.true(r.stdout.trimEnd().endsWith('box1'));
    const c = await te.engine.getContainer(r.id);
    t.is(c.state.status, 'exited');
    t.is(c.state.exitCode, 3);
  });
}

test('detached container: logs follow, exec, stop within timeout, start keeps the filesystem', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const c = await e.createContainer({
    image: 'busybox', name: 'w', cmd: ['sh', '-c', 'trap "echo got-term" TERM; echo persisted > /data.txt; while true; do date; sleep 0.2; done'],
  });
  await e.startContainer('w');
  const lines: string[] = [];
  for await (const l of e.containerLogs('w', { follow: true })) {
    lines.push(l.data.toString());
    if (lines.length === 2) break;
  }
  t.is(lines.length, 2);
  const execId = await e.createExec('w', { cmd: ['ls', '/'], attachStdout: true, attachStderr: true });
  const att = (await e.startExec(execId, {}))!;
  let out = '';
  att.onOutput((_s, d) => { out += d.toString(); });
  await new Promise<void>((r) => att.onEnd(r));
  t.regex(out, /data\.txt/);
  await sleep(100);
  t.is((await e.inspectExec(execId)).exitCode, 0);
  await e.stopContainer('w', 2);
  // Its TERM trap logs and carries on, so only the SIGKILL 2 s later ends it. The log's own times tell the
  // span from the TERM to the last line (one every 0.2 s), whatever the engine took before sending the TERM on
  // a loaded host (6.7 s once): about 2 s, where the default 10 s would show ≥ 9.8 s.
  let term = 0;
  let last = 0;
  for await (const l of e.containerLogs('w', {})) {
    const at = timeSeconds(l.time) * 1000;
    if (l.data.toString() === 'got-term\n') term = at;
    last = at;
  }
  t.true(term > 0, 'the TERM came first');
  t.true(last - term > 1000, `it was not killed at once (last line ${last - term} ms after the TERM)`);
  t.true(last - term < 6000, `stop used its 2 s timeout, not the default 10 s (last line ${last - term} ms after the TERM)`);
  t.is((await e.getContainer('w')).state.status, 'exited');
  await e.startContainer('w');
  const exec2 = await e.createExec('w', { cmd: ['cat', '/data.txt'], attachStdout: true });
  const att2 = (await e.startExec(exec2, {}))!;
  let out2 = '';
  att2.onOutput((_s, d) => { out2 += d.toString(); });
  await new Promise<void>((r) => att2.onEnd(r));
  t.is(out2, 'persisted\n');
  t.true((await collectLogs(e, c.record.id)).length > 0);
  await e.removeContainer('w', { force: true });
  await t.throwsAsync(() => e.getContainer('w'), { message: /No such container/ });
});

test('an exec that ends while its stdin is still being written delivers all its output, with and without a tty', async (t) => {
  // A write to a process that has just ended fails (EPIPE) while its last output may still be unread.
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  await e.createContainer({ image: 'busybox', name: 'w', cmd: ['sleep', '600'] });
  await e.startContainer('w');
  for (let i = 0; i < 40; i++) {
    const tty = i % 2 === 1;
    const id = await e.createExec('w', { cmd: ['sh', '-c', `echo out-${i}`], attachStdin: true, attachStdout: true, attachStderr: true, tty });
    const att = (await e.startExec(id, {}))!;
    let out = '';
    att.onOutput((_s, d) => { out += d.toString(); });
    let over = false;
    const ended = new Promise<void>((r) => att.onEnd(() => { over = true; r(); }));
    void (async () => {
      while (!over) {
        att.stdin!.write('x');
        await new Promise((r) => setImmediate(r));
      }
    })();
    await ended;
    t.regex(out, new RegExp(`out-${i}`), `round ${i} (tty: ${tty}): ${JSON.stringify(out)}`);
  }
});

test('memory limit: allocating past it is OOM-killed (137, OOMKilled)', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const r = await runToEnd(te.engine, {
    image: 'busybox', memory: 32 * 1024 * 1024,
    cmd: ['sh', '-c', 'head -c 100m /dev/zero | tail > /dev/null'],
  });
  t.is(r.exitCode, 137);
  t.true((await te.engine.getContainer(r.id)).state.oomKilled);
});

test('pids limit contains a fork bomb', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  // PID 1 becomes sleep, so the container outlives the bomb's shells (which die on "can't fork").
  const c = await e.createContainer({ image: 'busybox', pidsLimit: 50, cmd: ['sh', '-c', 'bomb() { bomb | bomb & }; bomb & exec sleep 60'] });
  await e.startContainer(c.record.id);
  const cgroup = `${te.config.cgroupParent}/${c.record.id}`;
  let peak = 0;
  // Until the limit has refused forks (slow on a loaded host), at most 15 s.
  for (let i = 0; i < 150 && (await readPidsLimitHits(cgroup)) === 0; i++) {
    peak = Math.max(peak, (await e.statsContainer(c.record.id)).pids);
    await sleep(100);
  }
  t.true((await readPidsLimitHits(cgroup)) > 0, 'the bomb ran into the limit');
  t.true(peak <= 50, `the bomb stayed within the limit (peak ${peak})`);
  t.is((await e.getContainer(c.record.id)).state.status, 'running', 'and the container itself is fine');
  await e.removeContainer(c.record.id, { force: true });
});

test('inside: mount, reboot, sysrq-trigger, module loading and mknod all fail', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const script = [
    'mount -t tmpfs none /mnt 2>/dev/null && echo MOUNT_OK',
    'reboot -f 2>/dev/null; sleep 0.2; echo ALIVE',
    'echo b > /proc/sysrq-trigger 2>/dev/null && echo SYSRQ_OK',
    'insmod /nonexistent.ko 2>/dev/null; modprobe dummy 2>/dev/null && echo MODPROBE_OK',
    'mknod /tmp/null2 c 1 3 2>/dev/null && echo MKNOD_OK',
    'grep NoNewPrivs /proc/self/status',
  ].join('; ');
  const r = await runToEnd(te.engine, { image: 'busybox', cmd: ['sh', '-c', script] });
  t.notRegex(r.stdout, /_OK/);
  t.regex(r.stdout, /ALIVE/);
  t.regex(r.stdout, /NoNewPrivs:\s+1/);
});

test('commit: the new image has the file; diff shows A, C and D (including a file of a lower layer)', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  const r = await runToEnd(e, { image: 'busybox', cmd: ['sh', '-c', 'echo new > /added.txt; echo x >> /etc/passwd; rm /bin/vi'] });
  t.is(r.exitCode, 0);
  const changes = await e.diffContainer(r.id);
  const has = (kind: string, p: string) => changes.some((c) => c.kind === kind && c.path === p);
  t.true(has('A', '/added.txt'), JSON.stringify(changes));
  t.true(has('C', '/etc/passwd'));
  t.true(has('D', '/bin/vi'));
  const img = await e.commitContainer(r.id, { tag: 'committed:1', author: 'tester', message: 'add a file' });
  t.is(img.config.history?.at(-1)?.author, 'tester');
  const r2 = await runToEnd(e, { image: 'committed:1', cmd: ['sh', '-c', 'cat /added.txt; ls /bin/vi 2>&1 || true'] });
  t.regex(r2.stdout, /^new\n/);
  t.regex(r2.stdout, /No such file/);
});

test('restart policy on-failure:2 restarts twice then gives up', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd: ['sh', '-c', 'exit 1'], restartPolicy: { name: 'on-failure', maximumRetryCount: 2 } });
  // Count the exits: the first run and two restarts end; then nothing starts again.
  let dies = 0;
  e.events.on('event', (ev: { id: string; action: string }) => { if (ev.id === c.record.id && ev.action === 'die') dies++; });
  await e.startContainer(c.record.id);
  for (let i = 0; i < 600 && dies < 3; i++) await sleep(100);
  await sleep(1000);
  t.is(dies, 3);
  const s = (await e.getContainer(c.record.id)).state;
  t.is(s.restartCount, 2);
  t.is(s.status, 'exited');
  t.is(s.exitCode, 1);
});

test('--rm removes the container after it exits; wait(removed) resolves with the exit code', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd: ['sh', '-c', 'exit 4'], autoRemove: true });
  const removed = e.waitContainer(c.record.id, 'removed');
  await e.startContainer(c.record.id);
  t.is((await removed).exitCode, 4);
  await t.throwsAsync(() => e.getContainer(c.record.id), { message: /No such container/ });
});

test('recovery: a reopened engine finds running containers and records exits that happened meanwhile', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  let e = te.engine;
  await e.ensureImage('busybox');
  const long = await e.createContainer({ image: 'busybox', cmd: ['sleep', '300'] });
  const short = await e.createContainer({ image: 'busybox', cmd: ['sh', '-c', 'sleep 1; exit 7'] });
  await e.startContainer(long.record.id);
  await e.startContainer(short.record.id);
  await e.close();
  await sleep(1800);
  e = await te.reopen();
  t.is((await e.getContainer(long.record.id)).state.status, 'running');
  const s = (await e.getContainer(short.record.id)).state;
  t.is(s.status, 'exited');
  t.is(s.exitCode, 7);
  await e.stopContainer(long.record.id, 1);
  t.is((await e.getContainer(long.record.id)).state.status, 'exited');
});

test('diff and commit leave out the mount points the engine adds (/etc/hosts, /etc/hostname, /etc/resolv.conf)', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const r = await runToEnd(te.engine, { image: 'busybox', cmd: ['sh', '-c', 'cat /etc/hostname > /dev/null; echo a > /only.txt'] });
  t.deepEqual(await te.engine.diffContainer(r.id), [{ kind: 'A', path: '/only.txt' }]);
});

test('recovery sweeps what a crash mid-removal left: runtime record, mount, run dir, writable layer', async (t) => {
  const te = await startTestEngine({ runtime: 'crun' });
  t.teardown(() => te.cleanup());
  let e = te.engine;
  await e.ensureImage('busybox');
  const c = await e.createContainer({ image: 'busybox', cmd: ['sleep', '300'] });
  const id = c.record.id;
  await e.startContainer(id);
  await e.close();
  // The crash: the process is gone and the record deleted, nothing else released.
  const crunRoot = path.join(te.config.runRoot, 'crun');
  await run('crun', [`--root=${crunRoot}`, 'kill', id, 'KILL']);
  await sleep(300);
  await rm(path.join(te.config.root, 'containers', id), { recursive: true, force: true });
  const rootfs = path.join(te.config.runRoot, 'c', id, 'bundle', 'rootfs');
  t.true(await isMountPoint(rootfs));
  e = await te.reopen();
  t.false(await isMountPoint(rootfs));
  t.false((await run('crun', [`--root=${crunRoot}`, 'list', '-q'])).stdout.includes(id));
  t.false(existsSync(path.join(te.config.runRoot, 'c', id)));
  t.false(existsSync(path.join(te.config.root, 'snapshots', 'active', id)));
  t.is((await e.listContainers({ all: true })).length, 0);
});

test('at engine start, `always` containers come back even after a manual stop; `unless-stopped` ones only if not stopped', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  let e = te.engine;
  await e.ensureImage('busybox');
  const always = await e.createContainer({ image: 'busybox', cmd: ['sleep', '300'], restartPolicy: { name: 'always', maximumRetryCount: 0 } });
  const unless = await e.createContainer({ image: 'busybox', cmd: ['sleep', '300'], restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 } });
  for (const c of [always, unless]) {
    await e.startContainer(c.record.id);
    await e.stopContainer(c.record.id, 0);
  }
  await sleep(500);
  t.is((await e.getContainer(always.record.id)).state.status, 'exited', 'a manual stop is not undone by the policy');
  e = await te.reopen();
  for (let i = 0; i < 100 && (await e.getContainer(always.record.id)).state.status !== 'running'; i++) await sleep(100);
  t.is((await e.getContainer(always.record.id)).state.status, 'running');
  t.is((await e.getContainer(unless.record.id)).state.status, 'exited');
});

test('--network none: a container has its own network namespace with only lo, and lo is up', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  const r = await runToEnd(te.engine, { image: 'busybox', networkMode: 'none', cmd: ['sh', '-c', 'ip -o link | cut -d: -f2; ip -o addr show lo'] });
  t.is(r.exitCode, 0, r.stderr);
  const links = r.stdout.split('\n').filter((l) => /^ \w/.test(l)).map((l) => l.trim());
  t.deepEqual(links, ['lo']);
  t.regex(r.stdout, /lo\s+inet 127\.0\.0\.1\/8/);
});
