/** Host facts and the idempotent host preparation, on this real host. */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import { run } from '../../lib/exec.js';
import { findBinary } from '../../lib/binaries.js';
import { prepareHost, readHostLimits, parseNofileHard, chooseRuntime } from '../../runtime/host.js';
import { canRunCrun } from '../../runtime/containers/cgroups.js';

test.serial('prepareHost readies the host and is a no-op the second time', async (t) => {
  const first = await prepareHost();
  t.true(Array.isArray(first.actions));
  t.is((await fsp.readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim(), '1');
  t.regex(await fsp.readFile('/proc/filesystems', 'utf8'), /\toverlay$/m);
  t.true(await canRunCrun());
  t.deepEqual(await prepareHost(), { actions: [] });
});

test('the engine limits match what a child shell sees', async (t) => {
  const limits = await readHostLimits();
  const hard = (await run('sh', ['-c', 'ulimit -Hn'])).stdout.trim();
  t.is(limits.nofileHard, hard === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(hard));
  const bnd = /CapBnd:\s*([0-9a-f]+)/.exec((await run('grep', ['CapBnd', '/proc/self/status'])).stdout)![1];
  t.is(limits.capBoundingMask, BigInt(`0x${bnd}`));
  t.is(parseNofileHard('Max open files            1024                 unlimited            files\n'), Number.MAX_SAFE_INTEGER);
  t.is(parseNofileHard('Max open files            1024                 4096                 files\n'), 4096);
});

test.serial('auto picks crun where it works; explicit choices are honoured', async (t) => {
  await prepareHost();
  const crun = await findBinary('crun');
  const runc = await findBinary('runc');
  t.truthy(crun && runc, 'both runtimes are installed on the test host');
  t.deepEqual(await chooseRuntime('auto'), { name: 'crun', path: crun! });
  t.deepEqual(await chooseRuntime('crun'), { name: 'crun', path: crun! });
  t.deepEqual(await chooseRuntime('runc'), { name: 'runc', path: runc! });
  t.is(await findBinary('tspaas-no-such-binary'), null);
  t.regex((await run(crun!, ['--version'])).stdout, /crun version/);
});
