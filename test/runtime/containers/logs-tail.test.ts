/**
 * Reading logs of any size: `--tail`, `--since` and `--until` seek instead of
 * loading the file (issue 13 reproduced a 2.3 GB log killing tspaasd on
 * `docker logs --tail 5`), across rotated files; the log driver options are
 * checked at create.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import { startTestEngine, runToEnd, type TestEngine } from '../../helpers/engine.js';
import { containerPaths } from '../../../runtime/containers/paths.js';
import { DEFAULT_LOG_OPTS, logPolicy, resolveLogConfig } from '../../../runtime/containers/log-config.js';
import type { LogOptions } from '../../../runtime/containers/types.js';
import { timeSeconds } from '../../../runtime/containers/log-records.js';

let te: TestEngine;
test.serial.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox:latest');
});
test.after.always(async () => { await te?.cleanup(); });

/** k8s-file records of lines `from`..`to` (text `line <n>`), all at time `time`. */
function records(time: string, from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `${time} stdout F line ${i}\n`;
  return s;
}

/** A stopped container, its log replaced by what `write` puts at its path. */
async function stoppedWithLog(write: (log: string) => Promise<void>): Promise<string> {
  const { id } = await runToEnd(te.engine, { image: 'busybox:latest', cmd: ['true'], networkMode: 'none' });
  const log = containerPaths(te.config.root, te.config.runRoot, id).log;
  await fsp.rm(`${log}.keep`, { force: true });
  await fsp.rm(log, { force: true });
  await write(log);
  return id;
}

async function text(id: string, o: LogOptions): Promise<string[]> {
  const out: string[] = [];
  for await (const l of te.engine.containerLogs(id, o)) out.push(l.data.toString());
  return out;
}

/** The call's time and the engine process's memory growth (RSS; external and array buffers as well, where file data would sit). */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; rssMb: number; externalMb: number }> {
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  return { value, ms, rssMb: (after.rss - before.rss) / 2 ** 20, externalMb: (after.external + after.arrayBuffers - before.external - before.arrayBuffers) / 2 ** 20 };
}

// A log past 2 GiB (the size that killed tspaasd): a megabyte of old records, a sparse gap (NUL bytes, which no reader
// may choke on), then the newest records. Sparse, so the test costs seconds and no disk.
const BIG = Math.round(2.2 * 2 ** 30);
let big: string;
test.serial.before(async () => {
  big = await stoppedWithLog(async (log) => {
    const fh = await fsp.open(log, 'w', 0o600);
    await fh.write(records('2026-01-01T10:00:00.000000000+00:00', 1, 20000));
    await fh.truncate(BIG);
    await fh.write(`\n${records('2026-01-01T12:00:00.500000000+00:00', 20001, 40000)}`, BIG);
    await fh.close();
  });
});

test('--tail 10 of a 2.2 GB log: the last 10 lines in under a second, with the engine growing by less than 20 MB', async (t) => {
  t.true((await fsp.stat(containerPaths(te.config.root, te.config.runRoot, big).log)).size > 2 ** 31);
  const r = await measured(() => text(big, { tail: 10 }));
  t.deepEqual(r.value, Array.from({ length: 10 }, (_, i) => `line ${39991 + i}\n`));
  t.true(r.ms < 1000, `${r.ms} ms`);
  t.true(r.rssMb < 20 && r.externalMb < 20, `rss +${r.rssMb} MB, external +${r.externalMb} MB`);
});

test('--since and --until of a 2.2 GB log stream it: the right lines, memory bounded, the engine still there', async (t) => {
  const since = Date.parse('2026-01-01T12:00:00Z') / 1000;
  const r = await measured(async () => {
    let n = 0;
    let last = '';
    for await (const l of te.engine.containerLogs(big, { since })) { n++; last = l.data.toString(); }
    return { n, last };
  });
  t.deepEqual(r.value, { n: 20000, last: 'line 40000\n' });
  // 20,000 lines stream through the heap (garbage the GC takes in its own time; +21.8 MB seen in a loaded full run):
  // the bound tells streaming from loading, which would add the 2.2 GB file.
  t.true(r.rssMb < 64 && r.externalMb < 20, `rss +${r.rssMb} MB, external +${r.externalMb} MB`);
  const until = Date.parse('2026-01-01T11:00:00Z') / 1000;
  const old = await measured(() => text(big, { until, tail: 2 }));
  t.deepEqual(old.value, ['line 19999\n', 'line 20000\n']);
  // The 20,000 older lines pass through the heap on the way to the last two (+22.1 MB seen in CI): the same bound.
  t.true(old.rssMb < 64 && old.externalMb < 20, `rss +${old.rssMb} MB, external +${old.externalMb} MB`);
  t.is((await te.engine.getContainer(big)).record.id, big);
});

test('--tail spans rotated files; --since finds its start in the right file', async (t) => {
  const id = await stoppedWithLog(async (log) => {
    await fsp.writeFile(`${log}.2`, records('2026-01-01T10:00:00.000000000+00:00', 1, 100));
    await fsp.writeFile(`${log}.1`, records('2026-01-01T11:00:00.000000000+00:00', 101, 200));
    await fsp.writeFile(log, records('2026-01-01T12:00:00.000000000+00:00', 201, 205));
  });
  t.deepEqual(await text(id, { tail: 8 }), [198, 199, 200, 201, 202, 203, 204, 205].map((n) => `line ${n}\n`));
  t.is((await text(id, { tail: 1000 })).length, 205);
  t.is((await text(id, {})).length, 205);
  const since = await text(id, { since: Date.parse('2026-01-01T10:30:00Z') / 1000 });
  t.is(since.length, 105);
  t.is(since[0], 'line 101\n');
  t.deepEqual(await text(id, { tail: 0 }), []);
});

test('a partial record (P) belongs to the line its F record ends: --tail counts lines', async (t) => {
  const time = '2026-01-01T10:00:00.000000000+00:00';
  const id = await stoppedWithLog((log) => fsp.writeFile(log, `${time} stdout F one\n${time} stdout P tw\n${time} stdout F o\n${time} stderr F three\n`));
  t.deepEqual(await text(id, { tail: 2 }), ['tw', 'o\n', 'three\n']);
  t.deepEqual(await text(id, { tail: 1, stderr: false }), ['tw', 'o\n']);
});

test('log driver "none" keeps no log and `logs` says so; unknown drivers and options are refused at create', async (t) => {
  const none = await runToEnd(te.engine, { image: 'busybox:latest', cmd: ['echo', 'hi'], networkMode: 'none', logConfig: { type: 'none', config: {} } });
  t.is(none.stdout, 'hi\n', 'attach still works');
  await t.throwsAsync(fsp.access(containerPaths(te.config.root, te.config.runRoot, none.id).log), { code: 'ENOENT' });
  t.throws(() => te.engine.containerLogs(none.id, {}), { message: /does not support reading/ });
  t.is((await te.engine.getContainer(none.id)).record.options.logConfig?.type, 'none');
  const count = (await te.engine.listContainers({ all: true })).length;
  // Docker's messages for the same mistakes: "logger: no log driver named 'syslog2' is registered", "unknown log opt 'x' for json-file log driver".
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox:latest', logConfig: { type: 'syslog', config: {} } }), { message: "logger: no log driver named 'syslog' is registered" });
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox:latest', logConfig: { type: 'k8s-file', config: { compress: 'true' } } }), { message: /unknown log opt 'compress'/ });
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox:latest', logConfig: { type: 'k8s-file', config: { 'max-size': '-1' } } }), { message: /invalid max-size "-1".*always bounded/ });
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox:latest', logConfig: { type: 'k8s-file', config: { 'max-size': '1k' } } }), { message: /too small/ });
  await t.throwsAsync(te.engine.createContainer({ image: 'busybox:latest', logConfig: { type: 'k8s-file', config: { 'max-file': '0' } } }), { message: /invalid max-file "0"/ });
  t.is((await te.engine.listContainers({ all: true })).length, count, 'nothing was created');
  const dflt = await te.engine.createContainer({ image: 'busybox:latest', logConfig: { type: 'json-file', config: { 'max-file': '5' } } });
  t.deepEqual(dflt.record.options.logConfig, { type: 'json-file', config: { 'max-file': '5' } }, 'recorded as asked (docker-py test_valid_log_driver_and_log_opt)');
  t.deepEqual(logPolicy(resolveLogConfig(dflt.record.options.logConfig, DEFAULT_LOG_OPTS)), { driver: 'k8s-file', maxFile: 5, maxSize: 10_000_000 }, 'what is left out comes from the engine at start, key by key');
  const unnamed = await te.engine.createContainer({ image: 'busybox:latest' });
  t.deepEqual(unnamed.record.options.logConfig, { type: 'json-file', config: {} }, "Docker's default driver name (docker-py test_valid_no_config_specified)");
});

test('StartedAt comes before the first line a start logs, so logs --since StartedAt (Testcontainers\' wait after a restart) has every line', async (t) => {
  const c = await te.engine.createContainer({ image: 'busybox:latest', cmd: ['echo', 'at-once'], networkMode: 'none' });
  // Five starts: each one's line is stamped by conmon as it reads it, which can be before `crun start` has returned.
  for (let i = 0; i < 5; i++) {
    const exited = te.engine.waitContainer(c.record.id, 'next-exit');
    await te.engine.startContainer(c.record.id);
    await exited;
    const startedAt = (await te.engine.getContainer(c.record.id)).state.startedAt;
    const lines: string[] = [];
    for await (const l of te.engine.containerLogs(c.record.id, { since: timeSeconds(startedAt) })) lines.push(l.data.toString());
    t.deepEqual(lines, ['at-once\n'], `start ${i + 1}: StartedAt ${startedAt}`);
  }
  await te.engine.removeContainer(c.record.id);
});
