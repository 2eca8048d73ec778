/**
 * tspaasd says loudly when it cannot bound disk (issue 13, part 5): with
 * quotas off (`--storage-quota off`, as on a host whose filesystem has none)
 * it logs `DISK IS NOT BOUNDED` with the reason at every start, and `docker
 * info` carries the warning; on the tests' quota filesystem it does neither.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../../cli/engine-client.js';
import { claimNetworkSlot } from '../helpers/network-slot.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Start an engine-only tspaasd with `extra` flags; resolves once its socket answers, with its stderr so far. */
async function engineOnly(t: ExecutionContext, extra: string[]): Promise<{ client: EngineClient; stderr: () => string }> {
  const slot = await claimNetworkSlot();
  const base = mkdtempSync(path.join(os.tmpdir(), 'tspd-disk-'));
  const child: ChildProcess = spawn(process.execPath, ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--engine-only',
    '--root', path.join(base, 'root'), '--run-root', path.join(base, 'run'), '--cgroup-parent', `/tspaas-test/${path.basename(base)}`,
    ...slot.flags, ...extra], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await slot.release();
    rmSync(base, { recursive: true, force: true });
  });
  const client = new EngineClient(path.join(base, 'run', 'engine.sock'));
  for (let i = 0; !(await client.ping()); i++) {
    if (i > 600 || child.exitCode !== null) throw new Error(`tspaasd did not come up: ${Buffer.concat(err).toString()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { client, stderr: () => Buffer.concat(err).toString() };
}

test('without quotas tspaasd warns at start and info says why; with them it is quiet', async (t) => {
  const off = await engineOnly(t, ['--storage-quota', 'off']);
  t.regex(off.stderr(), /"level":40.*"reason":"quotas are turned off in the engine configuration".*"msg":"DISK IS NOT BOUNDED/);
  const info = await off.client.json<{ Warnings: string[] | null; DriverStatus: string[][] }>('GET', '/info');
  t.deepEqual(info.DriverStatus, [['Quota', 'none']]);
  t.deepEqual(info.Warnings, ['WARNING: disk is not bounded (--storage-opt size is refused): quotas are turned off in the engine configuration']);

  const on = await engineOnly(t, []);
  t.notRegex(on.stderr(), /DISK IS NOT BOUNDED/);
  t.is((await on.client.json<{ Warnings: string[] | null }>('GET', '/info')).Warnings, null);
});
