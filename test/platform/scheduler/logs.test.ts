/**
 * `tspaas logs` through the local scheduler on a real engine: lines of
 * several processes merged in time order with `type.N` sources, tail and
 * type filters, and a follow that picks up a process started later and
 * ends when its signal aborts.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createLocalScheduler } from '../../../platform/scheduler/local.js';
import type { LogEntry } from '../../../platform/types.js';
import { compareTimes } from '../../../platform/scheduler/logs.js';
import { eventually, makeApp, makeRelease, platformConfig, schedulerBed } from './fixtures.js';
import { memorySize } from '../../helpers/plans.js';

const bed = schedulerBed();

/** Every entry of a finite log. */
async function collect(it: AsyncIterable<LogEntry>): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const TICKS = 'for i in 1 2 3; do echo "$DYNO line $i"; sleep 0.2; done; echo "$DYNO err" >&2; sleep 600';

test('logs merge the processes\' lines in time order with type.N sources; tail is per process; type picks web or web.1', async (t) => {
  const app = makeApp('merge');
  const release = makeRelease(app, 1, { web: TICKS, worker: TICKS });
  await Promise.all([bed.s.startProcess(app, release, 'web', 1, memorySize(64 << 20)), bed.s.startProcess(app, release, 'web', 2, memorySize(64 << 20)), bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20))]);
  const all = await eventually(async () => {
    const l = await collect(bed.s.logs(app, { follow: false }));
    return l.length === 12 ? l : undefined;
  });
  for (let i = 1; i < all.length; i++) t.true(compareTimes(all[i - 1].time, all[i].time) <= 0, 'sorted by time');
  t.true(all.every((e) => e.line.startsWith(`${e.source} `)), 'each line carries its own process\'s source');
  t.deepEqual(all.filter((e) => e.source === 'web.2').map((e) => [e.stream, e.line]),
    [['stdout', 'web.2 line 1'], ['stdout', 'web.2 line 2'], ['stdout', 'web.2 line 3'], ['stderr', 'web.2 err']]);
  t.regex(all[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  const tailed = await collect(bed.s.logs(app, { follow: false, tail: 1 }));
  t.deepEqual(tailed.map((e) => e.line).sort(), ['web.1 err', 'web.2 err', 'worker.1 err']);
  const sources = async (type: string) => [...new Set((await collect(bed.s.logs(app, { follow: false, type }))).map((e) => e.source))].sort();
  t.deepEqual(await sources('web'), ['web.1', 'web.2']);
  t.deepEqual(await sources('web.2'), ['web.2']);
  await bed.s.removeApp(app);
});

test('follow: the backlog, then new lines; a process started later joins; abort ends the stream', async (t) => {
  const app = makeApp('follow');
  const release = makeRelease(app, 1, { web: 'echo "$DYNO up"; while read x; do :; done; sleep 600', worker: 'echo "$DYNO up"; sleep 1; echo "$DYNO later"; sleep 600' });
  await bed.s.startProcess(app, release, 'web', 1, memorySize(64 << 20));
  await eventually(async () => (await collect(bed.s.logs(app, { follow: false }))).length === 1);
  const ac = new AbortController();
  const seen: LogEntry[] = [];
  const reading = (async () => {
    for await (const e of bed.s.logs(app, { follow: true, tail: 10, signal: ac.signal })) seen.push(e);
  })();
  await eventually(async () => seen.length === 1);
  await bed.s.startProcess(app, release, 'worker', 1, memorySize(64 << 20));
  await eventually(async () => seen.length === 3, 15_000);
  t.deepEqual(seen.map((e) => `${e.source}: ${e.line}`), ['web.1: web.1 up', 'worker.1: worker.1 up', 'worker.1: worker.1 later']);
  ac.abort();
  await reading;
  t.is(seen.length, 3, 'no line twice');
  await bed.s.removeApp(app);
});

test('lines of removed processes stay in the logs (a crash\'s reason, a deploy\'s old processes), once each; destroy forgets them', async (t) => {
  const app = makeApp('history');
  const v1 = makeRelease(app, 1, { web: 'echo "$DYNO v1 up"; echo "$DYNO v1 dying" >&2; sleep 600' });
  const old = await bed.s.startProcess(app, v1, 'web', 1, memorySize(64 << 20));
  await eventually(async () => (await bed.s.tailLogs(old.containerId, 5)).length === 2);
  const v2 = makeRelease(app, 2, { web: 'echo "$DYNO v2 up"; sleep 600' });
  await bed.s.startProcess(app, v2, 'web', 1, memorySize(64 << 20));
  await bed.s.stopProcess(old.containerId, 1);
  t.deepEqual((await bed.s.listProcesses(app)).map((p) => p.releaseVersion), [2], 'the old container is gone');
  const lines = await eventually(async () => {
    const l = (await collect(bed.s.logs(app, { follow: false }))).map((e) => `${e.source} ${e.stream}: ${e.line}`);
    return l.length === 3 ? l : undefined;
  });
  t.deepEqual(lines.slice(0, 2).sort(), ['web.1 stderr: web.1 v1 dying', 'web.1 stdout: web.1 v1 up']);
  t.is(lines[2], 'web.1 stdout: web.1 v2 up');
  t.deepEqual((await collect(bed.s.logs(app, { follow: false, tail: 1 }))).map((e) => e.line).sort(), ['web.1 v1 dying', 'web.1 v2 up'], 'tail per container');
  t.deepEqual(await collect(bed.s.logs(app, { follow: false, type: 'worker' })), [], 'type filter');
  t.is((await collect(bed.s.logs(app, { follow: false, type: 'web.1' }))).length, 3);
  await bed.s.stopProcess(old.containerId, 1);
  t.is((await collect(bed.s.logs(app, { follow: false }))).length, 3, 'stopping a gone container keeps nothing twice');
  await bed.s.removeApp(app);
  t.deepEqual(await collect(bed.s.logs(app, { follow: false })), []);
});

test('follow with tail 0 shows only new lines; leaving the loop ends the stream', async (t) => {
  const app = makeApp('tailzero');
  const release = makeRelease(app, 1, { web: 'echo old; sleep 2; echo new; sleep 600' });
  const p = await bed.s.startProcess(app, release, 'web', 1, memorySize(64 << 20));
  await eventually(async () => (await bed.s.tailLogs(p.containerId, 5)).length === 1);
  const lines: string[] = [];
  for await (const e of bed.s.logs(app, { follow: true, tail: 0 })) {
    lines.push(e.line);
    break;
  }
  t.deepEqual(lines, ['new']);
  await bed.s.removeApp(app);
});

test('keeping a removed process\'s lines is best effort: when the archive cannot be written, the process is still stopped and removed', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tsp-noarchive-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  await writeFile(path.join(dataDir, 'logs'), 'a file where the archive\'s directory should be');
  const broken = createLocalScheduler(bed.te.engine, platformConfig(dataDir), pino({ level: 'silent' }));
  const app = makeApp('noarchive');
  const p = await broken.startProcess(app, makeRelease(app, 1, { web: 'echo hello; sleep 600' }), 'web', 1, memorySize(64 << 20));
  await eventually(async () => (await broken.tailLogs(p.containerId, 5)).length === 1);
  await broken.stopProcess(p.containerId, 1);
  t.deepEqual(await broken.listProcesses(app), []);
  t.deepEqual(await collect(broken.logs(app, { follow: false })), [], 'logs still answer, with nothing kept');
  await broken.removeApp(app);
});
