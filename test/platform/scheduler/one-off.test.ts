/**
 * `tspaas run` through the local scheduler on a real engine: an attached
 * one-off with a tty echoes what is typed, returns its exit code and is
 * removed; a detached one is removed without anyone waiting; stop() ends one
 * whose client went away.
 */
import test from 'ava';
import { LABELS } from '../../../platform/types.js';
import { eventually, HTTPD, makeApp, makeRelease, schedulerBed } from './fixtures.js';

const bed = schedulerBed();

const appContainers = (appId: string) => bed.te.engine.listContainers({ all: true, label: [`${LABELS.appId}=${appId}`] });

test('an attached one-off with a tty: typed input is echoed, $PORT and config vars expand, the exit code returns, the container is removed', async (t) => {
  const app = makeApp('runner');
  const release = makeRelease(app, 4, { web: HTTPD }, { GREETING: 'hi' });
  const run = await bed.s.runOneOff(app, release, { command: ['sh'], tty: true, attach: true, rows: 30, cols: 100 });
  t.regex(run.name, /^run\.\d{4}$/);
  const c = await bed.te.engine.getContainer(run.containerId);
  t.is(c.record.name, `runner.${run.name}`);
  t.like(c.record.config.Labels, { [LABELS.oneOff]: '1', [LABELS.type]: 'run', [LABELS.version]: '4', [LABELS.appId]: app.id });
  t.true(c.record.config.Tty);
  let out = '';
  run.attachment!.onOutput((_s, d) => { out += d.toString(); });
  run.attachment!.stdin!.write('stty size; echo "$GREETING-$DYNO-$PORT"\n');
  await eventually(async () => out.includes(`hi-${run.name}-5000`));
  t.regex(out, /30 100/, 'the tty has the size asked for');
  t.true(out.includes('stty size; echo'), 'the tty echoes what is typed');
  await run.resize(40, 120);
  run.attachment!.stdin!.write('stty size; exit 7\n');
  t.is(await run.wait(), 7);
  t.regex(out, /40 120/);
  t.deepEqual(await appContainers(app.id), []);
  await bed.s.removeApp(app);
});

test('a command of several words runs through the shell, like heroku run', async (t) => {
  const app = makeApp('words');
  const release = makeRelease(app, 1, {}, { NAME: 'world' });
  // The bounding set's bit 13 (CAP_NET_RAW) is printed too: one-offs drop it like app containers (issue 13).
  const run = await bed.s.runOneOff(app, release, { command: ['echo', 'hello', '$NAME', '$DYNO;', 'echo', '$((0x$(grep ^CapBnd: /proc/self/status | cut -f2) >> 13 & 1));', 'exit', '3'], tty: false, attach: true, env: { DYNO: 'release.1' } });
  let out = '';
  run.attachment!.onOutput((_s, d) => { out += d.toString(); });
  const ended = new Promise<void>((r) => run.attachment!.onEnd(r));
  t.is(await run.wait(), 3);
  await ended;
  t.is(out, 'hello world release.1\n0\n');
  await t.throwsAsync(bed.s.runOneOff(app, release, { command: [' '], tty: false, attach: false }), { message: /command/ });
  await bed.s.removeApp(app);
});

test('a detached one-off is removed when it ends though nobody waits; stop() ends one whose client went away', async (t) => {
  const app = makeApp('detached');
  const release = makeRelease(app, 1, {});
  const quick = await bed.s.runOneOff(app, release, { command: ['echo "$DYNO did its job"'], tty: false, attach: false });
  t.is(quick.attachment, null);
  await eventually(async () => !(await appContainers(app.id)).some((c) => c.record.id === quick.containerId));
  // What it printed goes to the app's logs, as with heroku run:detached.
  const logged = [];
  for await (const e of bed.s.logs(app, { follow: false })) logged.push(`${e.source}: ${e.line}`);
  t.deepEqual(logged, [`${quick.name}: ${quick.name} did its job`]);
  const long = await bed.s.runOneOff(app, release, { command: ['sleep 600'], tty: true, attach: true });
  await long.stop();
  t.is(await long.wait(), 137);
  t.deepEqual(await appContainers(app.id), []);
  await long.stop();
  await bed.s.removeApp(app);
});

// Issue 13, part 4: a one-off runs at a plan's bounds, read here from its own cgroup (v1 files, else v2's).
test('a one-off gets its size\'s plan (memory, CPU weight and quota, pids) in its cgroup; the default plan when it names none', async (t) => {
  const app = makeApp('sized');
  const release = makeRelease(app, 1, {});
  const probe = [
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
    'cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight',
    'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max',
    'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
  ].join('; ');
  const limits = async (size?: { plan: string; memoryBytes: number }) => {
    const run = await bed.s.runOneOff(app, release, { command: [probe], tty: false, attach: true, size });
    let out = '';
    run.attachment!.onOutput((_s, d) => { out += d.toString(); });
    const ended = new Promise<void>((r) => run.attachment!.onEnd(r));
    t.is(await run.wait(), 0, out);
    await ended;
    return out.trim().split('\n');
  };
  // v1: shares as given; v2: cpu.weight = 1 + (shares - 2) * 9999 / 262142 (runc's conversion).
  t.deepEqual(await limits({ plan: 'standard-2x', memoryBytes: 96 << 20 }), [String(96 << 20), ...(await isV2() ? ['79'] : ['2048']), '100000', '1024']);
  t.deepEqual(await limits(), [String(128 << 20), ...(await isV2() ? ['39'] : ['1024']), '100000', '512'], 'the fixtures\' default plan: test, 128M, weight 1024, 512 pids');
  await bed.s.removeApp(app);
});

async function isV2(): Promise<boolean> {
  return (await bed.te.engine.info()).cgroupVersion === '2';
}
