/**
 * A followed log of a container that stays up and silent ends when its
 * LogOptions.signal aborts (without it, the follower would poll until the
 * container stopped).
 */
import test from 'ava';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';

let te: TestEngine;
test.before(async () => {
  te = await startTestEngine();
  await te.engine.ensureImage('busybox:latest');
});
test.after.always(async () => { await te?.cleanup(); });

test('following the log of a silent running container ends soon after the signal aborts, after giving what was there', async (t) => {
  const c = await te.engine.createContainer({ image: 'busybox:latest', cmd: ['sh', '-c', 'echo hello; exec sleep 600'], networkMode: 'none' });
  await te.engine.startContainer(c.record.id);
  const ac = new AbortController();
  const lines: string[] = [];
  const reading = (async () => {
    for await (const l of te.engine.containerLogs(c.record.id, { follow: true, signal: ac.signal })) lines.push(l.data.toString());
  })();
  while (lines.length === 0) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const abortedAt = Date.now();
  ac.abort();
  await reading;
  // The container sleeps 600 s: ending within seconds means the abort ended it, not the container (how soon is no timed test's business).
  t.true(Date.now() - abortedAt < 10_000, 'ended by the abort, not at the container\'s end');
  t.deepEqual(lines, ['hello\n']);
  t.is((await te.engine.getContainer(c.record.id)).state.status, 'running');
  await te.engine.removeContainer(c.record.id, { force: true });
});
