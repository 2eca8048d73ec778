/** tspaasd as a process: pid file, one daemon per run root, clean SIGTERM; containers outlive it. */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../../cli/engine-client.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function tspaasd(base: string): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--root', path.join(base, 'root'),
    '--run-root', path.join(base, 'run'), '--cgroup-parent', `/tspaas-test/${path.basename(base)}`], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  return Object.assign(child, { stderrText: () => Buffer.concat(err).toString() });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

test('serves the engine, writes its pid file, refuses a second daemon, and shuts down on SIGTERM', async (t) => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'tspd-main-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const daemon = tspaasd(base);
  t.teardown(() => { daemon.kill('SIGKILL'); });
  const client = new EngineClient(path.join(base, 'run', 'engine.sock'));
  for (let i = 0; !(await client.ping()); i++) {
    if (i > 300 || daemon.exitCode !== null) throw new Error(`tspaasd did not come up: ${daemon.stderrText()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(readFileSync(path.join(base, 'run', 'tspaasd.pid'), 'utf8'), `${daemon.pid}\n`);
  t.regex(daemon.stderrText(), /"msg":"tspaasd ready"/);

  const second = tspaasd(base);
  t.is(await exited(second), 1);
  t.regex(second.stderrText(), /already running \(pid \d+/);
  t.true(await client.ping(), 'the first daemon still serves');

  daemon.kill('SIGTERM');
  t.is(await exited(daemon), 0);
  t.false(existsSync(path.join(base, 'run', 'tspaasd.pid')));
  t.false(existsSync(path.join(base, 'run', 'engine.sock')));
});

test('bad flags exit 2 with the usage', async (t) => {
  const child = spawn(process.execPath, ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--runtime', 'kata'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  t.is(await exited(child), 2);
  t.regex(err, /^tspaasd: invalid --runtime "kata"/);
});
