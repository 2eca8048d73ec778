/**
 * The CLI loads only the command that runs (issue 18 item 7). Real CLI
 * processes (from source, through tsx) run with node's module hooks logging
 * every module they load (test/helpers/module-log); the checks are on which
 * modules load, never on timings (those are in docs/benchmarks.md). And the
 * help built from the table (cli/commands/index.ts) is the help the modules
 * themselves register, so the table cannot drift from the commands.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { Command } from 'commander';
import { App, type CliConfig, type CliIO } from '../../cli/context.js';
import { commandWords, NotLoaded } from '../../cli/lazy-commands.js';
import { buildProgram } from '../../cli/program.js';
import { cli, FakeApi } from './fake-api.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULE_LOG = path.join(REPO, 'test/helpers/module-log/register.mjs');

interface Run { code: number | null; stdout: string; stderr: string; modules: string[] }

/** Run `tspaas args…` as a process; `modules` = the repo files and packages it loaded (repo-relative paths). */
async function runLogged(t: { teardown(fn: () => Promise<void>): void }, args: string[]): Promise<Run> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tspaas-lazy-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'modules.log');
  const env = { PATH: process.env.PATH, HOME: dir, TSPAAS_CONFIG_DIR: dir, TSPAAS_ENGINE_SOCK: path.join(dir, 'no-engine.sock'), TSPAAS_MODULE_LOG: log };
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', MODULE_LOG, path.join(REPO, 'cli/main.ts'), ...args], { cwd: REPO, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  const modules = urls.map((u) => path.relative(REPO, fileURLToPath(u)).replace(/^(\.\.\/)*.*node_modules\//, 'node_modules/'));
  return { code, stdout, stderr, modules };
}

const commandModules = (r: Run) => r.modules.filter((m) => m.startsWith('cli/commands/')).sort();
const clients = (r: Run) => r.modules.filter((m) => m === 'cli/engine-client.ts' || m === 'cli/platform-client.ts' || m.startsWith('node_modules/ws/'));

test('--version alone is answered before the program loads, as the program answers it', async (t) => {
  const alone = await runLogged(t, ['--version']);
  const withOptions = await runLogged(t, ['--json', '--version']); // through commander
  const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  for (const r of [alone, withOptions]) {
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `${pkg.version}\n`);
    t.true(r.modules.includes('cli/main.ts'), 'the hooks saw the CLI load');
    t.deepEqual(clients(r), []);
  }
  // Besides the entry point, only the package-version reader (lib/package-version.ts: node built-ins only) loads.
  t.deepEqual(alone.modules.filter((m) => m !== 'cli/main.ts' && !m.startsWith('node_modules/tsx/')), ['lib/package-version.ts']);
  t.deepEqual(commandModules(withOptions), ['cli/commands/index.ts']);
});

test('--help lists every command, loading none of their modules', async (t) => {
  const r = await runLogged(t, ['--help']);
  t.is(r.code, 0, r.stderr);
  for (const name of ['container', 'image', 'network', 'volume', 'up', 'build', 'login', 'apps:create', 'config:set', 'run', 'registry:list']) t.regex(r.stdout, new RegExp(`^  ${name} `, 'm'));
  t.deepEqual(commandModules(r), ['cli/commands/index.ts']);
});

test('container stop loads its own module and no other command, nor the platform client', async (t) => {
  const r = await runLogged(t, ['container', 'stop', 'web']);
  t.is(r.code, 1); // no engine on the socket: reported, exit 1
  t.regex(r.stderr, /cannot connect to the tspaas engine/);
  t.deepEqual(commandModules(r), ['cli/commands/container/stop.ts', 'cli/commands/index.ts']);
  t.deepEqual(clients(r), ['cli/engine-client.ts']);
});

test('`container help run` loads run and prints its options', async (t) => {
  const r = await runLogged(t, ['container', 'help', 'run']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Usage: tspaas container run \[options\] <image> \[command\.\.\.\]/);
  t.regex(r.stdout, /--rm +remove the container when it exits/);
  t.true(commandModules(r).includes('cli/commands/container/run.ts'));
  t.false(commandModules(r).includes('cli/commands/container/create.ts'));
});

const CONFIG: CliConfig = { version: '0.0.0-test', socketPath: '/nonexistent.sock', root: '/nonexistent', runRoot: '/nonexistent', daemon: { command: 'node', args: [] }, cwd: '/', env: {} };
const app = () => new App(CONFIG, {} as CliIO);

const GROUPS = ['container', 'image', 'network', 'volume'];
const groupHelp = (program: Command, group: string) => program.commands.find((c) => c.name() === group)!.helpInformation();

test('help built from the table is the help of the loaded modules (terms, summaries, order, aliases)', async (t) => {
  const loaded = await buildProgram(app(), 'all');
  t.deepEqual(loaded.commands.filter((c) => c.commands.length).map((c) => c.name()), GROUPS);
  t.is((await buildProgram(app(), [])).helpInformation(), loaded.helpInformation());
  for (const group of GROUPS) t.is(groupHelp(await buildProgram(app(), [group]), group), groupHelp(loaded, group), group);
});

test('commandWords finds the command past global options and `help`', (t) => {
  t.deepEqual(commandWords(['--version']), []);
  t.deepEqual(commandWords(['-H', 'unix:///x.sock', '--json', 'container', 'run', '--rm', 'busybox']), ['container', 'run']);
  t.deepEqual(commandWords(['--host', '/x.sock', 'apps:create', 'shop']), ['apps:create', 'shop']);
  t.deepEqual(commandWords(['help', 'container']), ['container']);
  t.deepEqual(commandWords(['container', 'help', 'run']), ['container', 'run']);
  t.deepEqual(commandWords(['--', 'container', 'stop']), ['container', 'stop']);
});

test('a placeholder reached by commander asks for its group, then its command, to be loaded', async (t) => {
  const argv = ['container', 'stop', 'web'];
  const group = await t.throwsAsync((await buildProgram(app(), [])).parseAsync(argv, { from: 'user' }), { instanceOf: NotLoaded });
  t.deepEqual(group?.path, ['container']);
  const leaf = await t.throwsAsync((await buildProgram(app(), ['container'])).parseAsync(argv, { from: 'user' }), { instanceOf: NotLoaded });
  t.deepEqual(leaf?.path, ['container', 'stop']);
});

test('a command the guess missed still runs: its group, then the command, loaded by later parses', async (t) => {
  for (const wanted of [[], ['container'], ['image', 'ls']]) {
    const api = await new FakeApi({ 'POST /containers/web/stop': { status: 204 } }).listen();
    t.teardown(() => api.close());
    const r = await cli(api.socketPath, ['container', 'stop', 'web'], { wanted });
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, 'web\n');
    t.deepEqual(api.calls, ['POST /containers/web/stop']);
  }
});

test('`help container` after `--` shows the loaded group\'s help, not a placeholder\'s', async (t) => {
  const api = await new FakeApi({}).listen();
  t.teardown(() => api.close());
  const help = await cli(api.socketPath, ['--', 'help', 'container'], { wanted: [] });
  t.regex(help.stdout, /Usage: tspaas container \[options\] \[command\]/);
  t.regex(help.stdout, /run \[options\] <image> \[command\.\.\.\] +Create and run a new container from an image/);
});
