/**
 * Bounded container logs: Docker's `--log-opt max-size/max-file` on a real
 * container under conmon, rotation across files, `logs -f` across rotations
 * (every line once, in order), and a log flood that stays within the bound
 * while the engine keeps answering.
 *
 * One test at a time: each floods conmon (or the engine's rotation thread)
 * on purpose, and the bounds hold for one flood on the host, not for three
 * of them at once (a full run saw the API's p99 at 1.3 s while the `--tail`
 * test's flood ran beside the 15 s one, and a rotated file lost while a
 * `seq` flood shared the host with both).
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { containerPaths } from '../../../runtime/containers/paths.js';
import { serveEngineApi } from '../../../runtime/api/server.js';
import { request } from '../api/client.js';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox:latest');
});
test.after.always(async () => { await te?.cleanup(); });

/** The sizes of every file of a container's log (ctr.log and its rotated files), by name. */
async function logFiles(id: string): Promise<Record<string, number>> {
  const dir = path.dirname(containerPaths(te.config.root, te.config.runRoot, id).log);
  const out: Record<string, number> = {};
  for (const name of await fsp.readdir(dir)) {
    if (name.startsWith('ctr.log')) out[name] = (await fsp.stat(path.join(dir, name))).size;
  }
  return out;
}

/** The log's text as the follower saw it, split into lines (partial records joined). */
async function follow(id: string): Promise<string[]> {
  let text = '';
  for await (const l of te.engine.containerLogs(id, { follow: true })) text += l.data.toString();
  const lines = text.split('\n');
  lines.pop();
  return lines;
}

test.serial('after an engine restart, the running container\'s log is rotated again (recovery resumes the watch)', async (t) => {
  const c = await te.engine.createContainer({
    image: 'busybox:latest', cmd: ['sh', '-c', 'until [ -e /go ]; do sleep 0.1; done; seq 1 100000'], networkMode: 'none',
    logConfig: { type: 'k8s-file', config: { 'max-size': '1m', 'max-file': '20' } },
  });
  await te.engine.startContainer(c.record.id);
  const engine = await te.reopen();
  // Output starts once the new engine is up (what conmon writes while no engine runs is covered only for two files).
  await engine.startExec(await engine.createExec(c.record.id, { cmd: ['touch', '/go'], detach: true }), { detach: true });
  await engine.waitContainer(c.record.id);
  let text = '';
  for await (const l of engine.containerLogs(c.record.id, {})) text += l.data.toString();
  const lines = text.split('\n').slice(0, -1);
  const files = await logFiles(c.record.id);
  t.is(lines.length, 100000);
  t.is(lines.findIndex((l, i) => l !== String(i + 1)), -1);
  t.true(Object.keys(files).filter((n) => /^ctr\.log\.\d+$/.test(n)).length >= 4, JSON.stringify(files));
  t.true(Object.values(files).every((size) => size <= 1_000_000), JSON.stringify(files));
});

test.serial('logs -f across ten rotations gets every line exactly once, in order', async (t) => {
  // 200,000 lines make about 10.4 MB of k8s-file records: ten 1 MB files. max-file 20 keeps them all, so only following matters.
  const c = await te.engine.createContainer({
    image: 'busybox:latest', cmd: ['sh', '-c', 'sleep 1; seq 1 200000'], networkMode: 'none',
    logConfig: { type: 'k8s-file', config: { 'max-size': '1m', 'max-file': '20' } },
  });
  await te.engine.startContainer(c.record.id);
  const lines = await follow(c.record.id);
  t.is(lines.length, 200000);
  const wrong = lines.findIndex((l, i) => l !== String(i + 1));
  t.is(wrong, -1, `line ${wrong + 1} is ${JSON.stringify(lines[wrong])}`);
  const files = await logFiles(c.record.id);
  t.true(Object.keys(files).filter((n) => /^ctr\.log\.\d+$/.test(n)).length >= 10, JSON.stringify(files));
  t.true(Object.values(files).every((s) => s <= 1_000_000), JSON.stringify(files));
});

test.serial('max-size 1m × max-file 3: the log keeps three files of at most 1 MB, the newest lines, and goes with the container', async (t) => {
  const c = await te.engine.createContainer({
    image: 'busybox:latest', cmd: ['seq', '1', '200000'], networkMode: 'none',
    logConfig: { type: 'json-file', config: { 'max-size': '1m', 'max-file': '3' } },
  });
  const exited = te.engine.waitContainer(c.record.id, 'next-exit');
  await te.engine.startContainer(c.record.id);
  await exited;
  const files = await logFiles(c.record.id);
  const holding = Object.entries(files).filter(([n, s]) => s > 0 && n !== 'ctr.log.keep');
  t.deepEqual(holding.map(([n]) => n).sort(), ['ctr.log', 'ctr.log.1', 'ctr.log.2'], JSON.stringify(files));
  t.true(Object.values(files).every((s) => s <= 1_000_000), JSON.stringify(files));
  let text = '';
  for await (const l of te.engine.containerLogs(c.record.id, {})) text += l.data.toString();
  const lines = text.split('\n').slice(0, -1);
  t.is(lines.at(-1), '200000');
  const first = Number(lines[0]);
  t.deepEqual(lines, Array.from({ length: 200000 - first + 1 }, (_, i) => String(first + i)), 'the kept lines are contiguous');
  const dir = path.dirname(containerPaths(te.config.root, te.config.runRoot, c.record.id).log);
  await te.engine.removeContainer(c.record.id);
  await t.throwsAsync(fsp.access(dir), { code: 'ENOENT' });
});

/** Bytes on disk of a container's log: every distinct file among ctr.log* (keep/next are second names), and how many there are. */
async function logDisk(id: string): Promise<{ bytes: number; files: number; current: number }> {
  const dir = path.dirname(containerPaths(te.config.root, te.config.runRoot, id).log);
  const seen = new Map<number, number>();
  let current = 0;
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('ctr.log')) continue;
    const st = await fsp.stat(path.join(dir, name)).catch(() => null);
    if (!st) continue;
    seen.set(st.ino, st.size);
    if (name === 'ctr.log') current = st.ino;
  }
  return { bytes: [...seen.values()].reduce((a, b) => a + b, 0), files: [...seen.values()].filter((b) => b > 0).length, current };
}

function p99(ms: number[]): number {
  return [...ms].sort((a, b) => a - b)[Math.floor(ms.length * 0.99)] ?? 0;
}

test.serial('a container writing to stdout as fast as it can for 15 s: its log stays within (max-file + 2) × max-size and the Engine API keeps answering', async (t) => {
  // Issue 13: a flood filled 8.8 GB in 30 s. Engine defaults (10m × 3): the bound is 5 × 10 MB.
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tsp-flood-'));
  const socketPath = path.join(dir, 'engine.sock');
  const server = await serveEngineApi(te.engine, { socketPath, version: '0.1.0-test', logger: { error: () => {} } });
  t.teardown(async () => { await server.close(); await fsp.rm(dir, { recursive: true, force: true }); });
  const call = async (url: string): Promise<number> => {
    const t0 = performance.now();
    const r = await request(socketPath, 'GET', url);
    if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
    return performance.now() - t0;
  };
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push(await call('/containers/json?all=1'));
  const c = await te.engine.createContainer({ image: 'busybox:latest', cmd: ['yes', 'a line of a container that logs as fast as it can, over and over'], networkMode: 'none' });
  t.deepEqual(c.record.options.logConfig, { type: 'json-file', config: {} }, 'the engine\'s defaults apply at start');
  await te.engine.startContainer(c.record.id);
  const bound = 5 * 10_000_000;
  const busy: number[] = [];
  const inodes = new Set<number>();
  let most = 0;
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    busy.push(await call(`/containers/${c.record.id}/json`), await call('/containers/json'));
    const disk = await logDisk(c.record.id);
    most = Math.max(most, disk.bytes);
    inodes.add(disk.current);
    await new Promise((r) => setTimeout(r, 50));
  }
  await te.engine.stopContainer(c.record.id, 1);
  const end = await logDisk(c.record.id);
  t.log(`${inodes.size} files seen being written; at most ${(most / 1e6).toFixed(1)} MB on disk (bound ${bound / 1e6} MB), ${end.files} files at the end`);
  t.log(`Engine API: idle p99 ${p99(idle).toFixed(1)} ms; during the flood p99 ${p99(busy).toFixed(1)} ms, max ${Math.max(...busy).toFixed(1)} ms over ${busy.length} calls`);
  t.true(inodes.size >= 5, 'the flood rotated the log many times');
  t.true(most <= bound, `${most} bytes`);
  t.true(end.bytes <= 3 * 10_000_000 && end.files <= 3, JSON.stringify(end));
  // The stated bound: on this 2-core host the flood (yes + conmon) takes both cores, yet the API answers within a second.
  t.true(p99(busy) < 1000, `p99 ${p99(busy)} ms`);
  const tail = await request(socketPath, 'GET', `/containers/${c.record.id}/logs?stdout=1&tail=3`);
  t.is(tail.status, 200);
  // Three whole lines (and the start of the one `yes` was writing when it was stopped, a partial record).
  t.is(tail.body.toString('latin1').split('a line of a container that logs as fast as it can, over and over\n').length, 4);
});

test.serial('`--tail 10` while a flood rotates the log: ten lines each time, never a chase after conmon (the read ends where the log ended when it was asked)', async (t) => {
  // Found by the platform's log-flood test (issue 13, noisy neighbours): a tail read chased the file conmon was writing
  // (megabytes for --tail 10), or spun forever on a record cut by its end.
  const line = 'a line of a container that logs as fast as it can';
  const c = await te.engine.createContainer({ image: 'busybox:latest', cmd: ['sh', '-c', `yes '${line}' & exec sleep 60`], networkMode: 'none', init: true });
  await te.engine.startContainer(c.record.id);
  t.teardown(() => te.engine.removeContainer(c.record.id, { force: true }).catch(() => undefined));
  await new Promise((r) => setTimeout(r, 1000));
  const reads: Array<{ ms: number; lines: number; bytes: number }> = [];
  // 12 s of reads, and at least three (a loaded host takes seconds a read), for 45 s at most.
  const start = Date.now();
  for (; Date.now() - start < 45_000 && (Date.now() - start < 12_000 || reads.length < 3); await new Promise((r) => setTimeout(r, 50))) {
    const t0 = performance.now();
    const read = { ms: 0, lines: 0, bytes: 0 };
    for await (const l of te.engine.containerLogs(c.record.id, { tail: 10, stdout: true })) {
      read.bytes += l.data.length;
      if (l.data.at(-1) === 0x0a) read.lines++;
    }
    reads.push({ ...read, ms: performance.now() - t0 });
  }
  const rotations = Object.keys(await logFiles(c.record.id)).filter((n) => /^ctr\.log\.\d+$/.test(n)).length;
  t.log(`${reads.length} reads during the flood: ${Math.min(...reads.map((r) => r.lines))}-${Math.max(...reads.map((r) => r.lines))} lines, at most ${Math.max(...reads.map((r) => r.ms)).toFixed(0)} ms`);
  t.true(rotations >= 2, 'the log rotated meanwhile');
  // Reads come every 50 ms plus their own time: ≥ 60 on a quiet host, 14 on one loaded 8× over, 3 in a full run at load 14;
  // the point is several reads across rotations.
  t.true(reads.length >= 3, `${reads.length} reads`);
  // Ten lines, and at most the start of an eleventh that conmon wrote as a partial record (it split the line between reads).
  t.true(reads.every((r) => r.lines === 10 && r.bytes < 11 * (line.length + 1)), JSON.stringify(reads.filter((r) => r.lines !== 10 || r.bytes >= 11 * (line.length + 1))));
  // The bug this guards against chased conmon for megabytes (the byte bound above) or hung; a read that ends where
  // the log ended is quick, but shares two CPUs with the flood and, in a full run, with the rest of the suite (6.6 s
  // seen at load 15). The one-second bound on --tail is held where the CPUs are not flooded:
  // logs-tail.test.ts, a 2.2 GB log; speed is bench:engine's to measure.
  t.true(reads.every((r) => r.ms < 20_000), 'each answered within 20 s, never hung');
});
