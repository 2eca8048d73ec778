/**
 * The log archive on its own: lines kept per app in order, cut back to the
 * newest when the file grows past twice the limit (also after a restart), a
 * torn last line skipped (and not glued to the next), concurrent keeps not
 * interleaved, removal.
 */
import test from 'ava';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogArchive } from '../../../platform/scheduler/log-archive.js';
import type { LogEntry } from '../../../platform/types.js';

const entry = (source: string, i: number): LogEntry => ({ time: `2026-11-23T10:00:${String(i % 60).padStart(2, '0')}.000Z`, source, stream: 'stdout', line: `${source} ${i}` });

test('keeps lines per app in order, cuts back to the newest, skips a torn line, removes', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-archive-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const archive = createLogArchive(dir, 5);
  t.deepEqual(await archive.read('a'), []);
  await archive.keep('a', 'c1', [entry('web.1', 1), entry('web.1', 2)]);
  await archive.keep('b', 'c9', [entry('worker.1', 1)]);
  await archive.keep('a', 'c2', []);
  t.deepEqual((await archive.read('a')).map((e) => [e.containerId, e.line]), [['c1', 'web.1 1'], ['c1', 'web.1 2']]);
  // More than the limit at once: only the newest are kept of it.
  await archive.keep('a', 'c3', Array.from({ length: 8 }, (_, i) => entry('web.2', i)));
  t.deepEqual((await archive.read('a')).map((e) => e.line), ['web.1 1', 'web.1 2', 'web.2 3', 'web.2 4', 'web.2 5', 'web.2 6', 'web.2 7']);
  // Past twice the limit: cut back to the newest 5.
  await archive.keep('a', 'c4', Array.from({ length: 4 }, (_, i) => entry('web.3', i)));
  t.deepEqual((await archive.read('a')).map((e) => e.line), ['web.2 7', 'web.3 0', 'web.3 1', 'web.3 2', 'web.3 3']);
  await appendFile(path.join(dir, 'logs', 'apps', 'a.ndjson'), '{"time":"2026-11-2');
  t.is((await archive.read('a')).length, 5, 'a line torn by a crash is skipped');
  // After a restart the line count comes from the file: 6 lines (torn one included) + 5 new = 11 > 10, cut back.
  const restarted = createLogArchive(dir, 5);
  await restarted.keep('a', 'c5', Array.from({ length: 5 }, (_, i) => entry('web.4', i)));
  t.deepEqual((await restarted.read('a')).map((e) => e.line), ['web.4 0', 'web.4 1', 'web.4 2', 'web.4 3', 'web.4 4']);
  await archive.remove('a');
  t.deepEqual(await archive.read('a'), []);
  t.is((await archive.read('b')).length, 1, 'other apps are untouched');
});

test('concurrent keeps of one app are written one after the other', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-archive-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const archive = createLogArchive(dir, 1000);
  await Promise.all(Array.from({ length: 20 }, (_, c) => archive.keep('a', `c${c}`, Array.from({ length: 50 }, (_, i) => entry(`web.${c}`, i)))));
  const kept = await archive.read('a');
  t.is(kept.length, 1000);
  // Each container's lines are contiguous and in order.
  const runs = kept.reduce<string[]>((acc, e) => (acc.at(-1) === e.containerId ? acc : [...acc, e.containerId]), []);
  t.is(new Set(runs).size, runs.length);
});

test('an app\'s archive is bounded in bytes too: long lines are cut back to the newest that fit the byte cap', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-archive-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const archive = createLogArchive(dir, 1500, 64 * 1024);
  const file = path.join(dir, 'logs', 'apps', 'a.ndjson');
  // Lines of 8 KiB, conmon's largest record: 1,500 of them would be 12 MB; the cap keeps the file under 2 × 64 KiB.
  const long = (i: number) => ({ ...entry('web.1', i), line: `${i} ${'x'.repeat(8192)}` });
  for (let round = 0; round < 10; round++) {
    await archive.keep('a', `c${round}`, Array.from({ length: 10 }, (_, i) => long(round * 10 + i)));
    t.true((await stat(file)).size <= 2 * 64 * 1024, `round ${round}: ${(await stat(file)).size} bytes`);
  }
  const kept = await archive.read('a');
  t.true(kept.length >= 7 && kept.length <= 15, `${kept.length} lines kept`);
  t.is(kept.at(-1)?.line.split(' ')[0], '99', 'the newest line is kept');
  t.deepEqual(kept.map((e) => Number(e.line.split(' ')[0])), Array.from({ length: kept.length }, (_, i) => 100 - kept.length + i));
});
