/**
 * tspaasd as a process: pid file, one daemon per run root, clean SIGTERM
 * (engine-only and with the whole platform); the platform's first start
 * prints the admin token once, publishes platform.json, serves the API on its
 * listener, and a restart keeps the state without a new token.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../../cli/engine-client.js';
import { startPlatform } from '../helpers/platform.js';
import { claimNetworkSlot } from '../helpers/network-slot.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function tspaasd(base: string, extra: string[] = []): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--root', path.join(base, 'root'),
    '--run-root', path.join(base, 'run'), '--cgroup-parent', `/tspaas-test/${path.basename(base)}`, ...extra], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  return Object.assign(child, { stderrText: () => Buffer.concat(err).toString() });
}

/** A test network slot's daemon flags, released after the test's other teardowns (two daemons on one bridge race on its rules). */
async function networkFlags(t: ExecutionContext): Promise<string[]> {
  const slot = await claimNetworkSlot();
  t.teardown(() => slot.release());
  return slot.flags;
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

test('--engine-only: serves the engine, writes its pid file, refuses a second daemon, and shuts down on SIGTERM', async (t) => {
  const flags = ['--engine-only', ...await networkFlags(t)];
  const base = mkdtempSync(path.join(os.tmpdir(), 'tspd-main-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const daemon = tspaasd(base, flags);
  t.teardown(() => { daemon.kill('SIGKILL'); });
  const client = new EngineClient(path.join(base, 'run', 'engine.sock'));
  for (let i = 0; !(await client.ping()); i++) {
    if (i > 600 || daemon.exitCode !== null) throw new Error(`tspaasd did not come up: ${daemon.stderrText()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(readFileSync(path.join(base, 'run', 'tspaasd.pid'), 'utf8'), `${daemon.pid}\n`);
  // The log line comes through a pipe: it may arrive after the socket answers.
  for (let i = 0; i < 100 && !/"msg":"tspaasd ready"/.test(daemon.stderrText()); i++) await new Promise((r) => setTimeout(r, 100));
  t.regex(daemon.stderrText(), /"msg":"tspaasd ready"/);
  t.false(existsSync(path.join(base, 'run', 'platform.json')), 'no platform without a platform');
  t.false(existsSync(path.join(base, 'root', 'platform', 'postgres')), 'no embedded database either');

  const second = tspaasd(base, flags);
  t.is(await exited(second), 1);
  t.regex(second.stderrText(), /already running \(pid \d+/);
  t.true(await client.ping(), 'the first daemon still serves');

  daemon.kill('SIGTERM');
  t.is(await exited(daemon), 0);
  t.false(existsSync(path.join(base, 'run', 'tspaasd.pid')));
  t.false(existsSync(path.join(base, 'run', 'engine.sock')));
});

test('a SIGTERM while tspaasd starts: the start finishes, everything is closed, exit 0', async (t) => {
  const flags = ['--engine-only', ...await networkFlags(t)];
  const base = mkdtempSync(path.join(os.tmpdir(), 'tspd-main-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const daemon = tspaasd(base, flags);
  t.teardown(() => { daemon.kill('SIGKILL'); });
  // The pid file is the first thing the start makes; the engine is not up yet.
  const pidFile = path.join(base, 'run', 'tspaasd.pid');
  for (let i = 0; !existsSync(pidFile); i++) {
    if (i > 3000 || daemon.exitCode !== null) throw new Error(`tspaasd wrote no pid file: ${daemon.stderrText()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  daemon.kill('SIGTERM');
  t.is(await exited(daemon), 0, daemon.stderrText());
  t.is(daemon.signalCode, null, 'not killed by the signal');
  t.regex(daemon.stderrText(), /"signal":"SIGTERM".*"msg":"shutting down/);
  t.false(existsSync(pidFile));
  t.false(existsSync(path.join(base, 'run', 'engine.sock')));
});

test('the platform: admin token once, platform.json, the API on the listener, restart without a new token, SIGTERM', async (t) => {
  const p = await startPlatform();
  t.teardown(() => p.stop());
  const tokenFile = path.join(p.runRoot, 'admin-token');
  t.is(statSync(tokenFile).mode & 0o777, 0o600);
  // The API answers a moment before the "ready" line reaches the log file (a loaded full run read it in between).
  let log = await p.log();
  for (let i = 0; i < 100 && !log.includes('"msg":"tspaasd ready"'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    log = await p.log();
  }
  t.is(log.split('\n').filter((l) => l.includes(p.adminToken)).length, 1, 'the token is logged on exactly one line');
  t.regex(log, new RegExp(`"msg":"first start: admin token ${p.adminToken} \\(log in with: tspaas login ${p.apiUrl} --token ${p.adminToken}\\)"`));
  t.regex(log, new RegExp(`"listen":"${p.apiUrl}".*"msg":"tspaasd ready"`));
  const info = JSON.parse(readFileSync(path.join(p.runRoot, 'platform.json'), 'utf8')) as Record<string, unknown>;
  t.like(info, { databaseUrl: p.db.url, listen: p.apiUrl, publicUrl: p.apiUrl });
  t.deepEqual(await p.api('GET', '/v1/health', undefined, ''), { ok: true });
  t.like(await p.api('GET', '/v1/whoami') as object, { email: 'admin@localhost', isAdmin: true });
  await t.throwsAsync(p.api('GET', '/v1/whoami', undefined, 'not-a-token'), { message: /: 401 / });
  await p.api('POST', '/v1/teams', { name: 'kept' });

  await p.kill9();
  rmSync(tokenFile);
  await p.restart();
  t.false(existsSync(tokenFile), 'no new admin token on a later start');
  t.is((await p.log()).split('\n').filter((l) => l.includes('admin token')).length, 1);
  t.true((await p.api('GET', '/v1/teams') as Array<{ name: string }>).some((team) => team.name === 'kept'), 'state survives the restart');

  const second = tspaasd(path.dirname(p.root), ['--database-url', p.db.url, '--listen', '127.0.0.1:1']);
  t.is(await exited(second), 1);
  t.regex(second.stderrText(), /already running/);

  t.is(await p.terminate(), 0);
  t.false(existsSync(path.join(p.runRoot, 'platform.json')));
  t.false(existsSync(path.join(p.runRoot, 'tspaasd.pid')));
  await t.throwsAsync(fetch(`${p.apiUrl}/v1/health`), undefined, 'the listener is closed');
});

test('bad flags exit 2 with the usage', async (t) => {
  const child = spawn(process.execPath, ['--import=tsx', path.join(REPO, 'platform/main.ts'), '--runtime', 'kata'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  t.is(await exited(child), 2);
  t.regex(err, /^tspaasd: invalid --runtime "kata"/);
});
