/**
 * App containers' disk is bounded (issue 13, part 5): the local scheduler
 * gives every process and one-off container a writable-layer limit (the
 * default of platform/scheduler/disk.ts until plans name one), on a real
 * engine; an engine that cannot bound disk runs them unbounded instead of
 * refusing (tspaasd has warned at start).
 */
import { memorySize } from '../../helpers/plans.js';
import test from 'ava';
import { startTestEngine } from '../../helpers/engine.js';
import { APP_WRITABLE_LAYER_BYTES, appStorageOpt } from '../../../platform/scheduler/disk.js';
import { HTTPD, makeApp, makeRelease, scheduler } from './fixtures.js';

test('a process and a one-off get the app writable-layer bound; a one-off writing past it fails inside', async (t) => {
  const te = await startTestEngine();
  t.teardown(() => te.cleanup());
  await te.engine.ensureImage('busybox:latest');
  const s = scheduler(te);
  const app = makeApp('disky');
  const release = makeRelease(app, 1, { web: HTTPD });
  const p = await s.startProcess(app, release, 'web', 1, memorySize(64 * 1024 * 1024));
  t.deepEqual((await te.engine.getContainer(p.containerId)).record.options.storageOpt, { size: String(APP_WRITABLE_LAYER_BYTES) });
  // The bound is real: 2 GiB + 16 MiB of writes stop at the limit.
  const mib = APP_WRITABLE_LAYER_BYTES / 1024 / 1024 + 16;
  const run = await s.runOneOff(app, release, { command: [`dd if=/dev/zero of=/fill bs=1M count=${mib} 2>&1; rm -f /fill`], tty: false, attach: true });
  let out = '';
  run.attachment!.onOutput((_s, d) => { out += d.toString(); });
  const ended = new Promise<void>((r) => run.attachment!.onEnd(r));
  await run.wait();
  await ended;
  t.regex(out, /No space left on device|Disk quota exceeded/);
  await s.removeApp(app);
});

test('an engine without quotas: app containers run unbounded (no storage option)', async (t) => {
  const te = await startTestEngine({ storageQuota: { enabled: false } });
  t.teardown(() => te.cleanup());
  t.is(await appStorageOpt(te.engine), undefined);
  await te.engine.ensureImage('busybox:latest');
  const s = scheduler(te);
  const app = makeApp('loose');
  const p = await s.startProcess(app, makeRelease(app, 1, { web: HTTPD }), 'web', 1, memorySize(64 * 1024 * 1024));
  t.is((await te.engine.getContainer(p.containerId)).record.options.storageOpt, undefined);
  await s.removeApp(app);
});
