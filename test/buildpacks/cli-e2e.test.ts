/**
 * `tspaas build` as a user runs it: the real CLI process against a real
 * tspaasd (test/helpers/daemon.ts), whose engine root is seeded with the
 * stacks (test/helpers/stacks.ts). The source goes up as a tar
 * to `POST /tspaas/buildpacks/build`, the buildpack runner plugged in by
 * platform/main.ts builds it, and the output streams back to the terminal.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startTestEngine } from '../helpers/engine.js';
import { provideStacks, seedStacks, stacksTarPath } from '../helpers/stacks.js';
import { buildStack } from '../../buildpacks/stacks/index.js';
import { writeApp } from '../helpers/apps.js';
import { programArgs } from '../helpers/programs.js';

const CLI = programArgs('cli/main');

let daemon: TestDaemon;
const dirs: string[] = [];

interface Result { code: number; stdout: string; stderr: string }

/** Run `tspaas …` against the test daemon, in `cwd`. */
function tspaas(args: string[], cwd: string): Promise<Result> {
  const env = { ...process.env, TSPAAS_ENGINE_SOCK: daemon.socket, TSPAAS_RUN: daemon.runRoot, TSPAAS_ROOT: daemon.root };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** The stacks tar from the shared cache, made once with a throwaway engine when missing. */
async function stacksTar(): Promise<string> {
  const tar = stacksTarPath();
  if (await fsp.access(tar).then(() => false, () => true)) {
    const te = await startTestEngine();
    try { await provideStacks(te.engine); } finally { await te.cleanup(); }
  }
  return tar;
}

/** An app directory with `./app` in it; returns the parent (the CLI's cwd). */
async function appIn(files: Record<string, string>): Promise<string> {
  const app = await writeApp(files);
  const parent = path.dirname(app);
  dirs.push(app);
  const cwd = await fsp.mkdtemp(path.join(parent, 'tspaas-cli-build-'));
  dirs.push(cwd);
  await fsp.rename(app, path.join(cwd, 'app'));
  return cwd;
}

test.before(async () => {
  daemon = await startDaemon({ seed: seedStacks });
  if (await daemon.docker.getImage(buildStack.name).inspect().then(() => false, () => true)) { // not seeded (not on btrfs)
    const loaded = await daemon.docker.loadImage(createReadStream(await stacksTar()));
    await new Promise((resolve, reject) => daemon.docker.modem.followProgress(loaded, (err) => (err ? reject(err) : resolve(undefined))));
  }
});
test.after.always(async () => {
  await daemon?.cleanup();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

test.serial('tspaas build ./app -t x: Heroku-style output, exit 0, an image that runs', async (t) => {
  t.timeout(5 * 60 * 1000);
  const cwd = await appIn({ Procfile: 'web: ./hello.sh\n', 'hello.sh': '+x #!/bin/bash\necho "hello from $PORT"\n' });
  const r = await tspaas(['build', './app', '-t', 'cli-hello'], cwd);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^-----> Procfile app detected$/m);
  t.regex(r.stdout, /^-----> Discovering process types$/m);
  t.regex(r.stdout, /^ {7}Procfile declares types -> web$/m);
  t.regex(r.stdout, /^ {7}Done: /m);
  t.regex(r.stdout, /^Successfully built cli-hello \([0-9a-f]{12}\)$/m);
  const info = await daemon.docker.getImage('cli-hello').inspect();
  t.is(info.Config.Labels?.['io.tspaas.process.web'], './hello.sh');
  const run = await tspaas(['container', 'run', '--rm', '-e', 'PORT=7000', 'cli-hello'], cwd);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout.trim(), 'hello from 7000');
});

test.serial('a failing build exits non-zero with the buildpack\'s message and leaves no image', async (t) => {
  t.timeout(5 * 60 * 1000);
  const cwd = await appIn({ Procfile: 'web: true\n' });
  const bp = path.join(cwd, 'bp');
  await fsp.mkdir(path.join(bp, 'bin'), { recursive: true });
  await fsp.writeFile(path.join(bp, 'bin/detect'), '#!/bin/sh\necho Broken\n', { mode: 0o755 });
  await fsp.writeFile(path.join(bp, 'bin/compile'), '#!/bin/sh\necho "-----> Checking the widgets"\necho " !     no widgets in this app" >&2\nexit 3\n', { mode: 0o755 });
  const r = await tspaas(['build', './app', '-t', 'cli-broken', '--buildpack', './bp'], cwd);
  t.not(r.code, 0);
  t.regex(r.stdout, /^-----> Checking the widgets$/m);
  t.regex(r.stdout, /^ ! {5}no widgets in this app$/m);
  t.regex(r.stderr, /bp: bin\/compile failed \(exit code 3\)/);
  t.false(await daemon.docker.getImage('cli-broken').inspect().then(() => true, () => false));
});

test.serial('--json prints the build result and no progress', async (t) => {
  t.timeout(5 * 60 * 1000);
  const cwd = await appIn({ 'index.html': '<h1>hi</h1>\n' });
  const r = await tspaas(['build', './app', '-t', 'cli-site:v1', '--json'], cwd);
  t.is(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { imageId: string; tag: string; processTypes: Record<string, string>; slugSize: number; buildpacks: Array<{ name: string }> };
  t.is(result.tag, 'cli-site:v1');
  t.regex(result.imageId, /^sha256:[0-9a-f]{64}$/);
  t.truthy(result.processTypes.web);
  t.true(result.slugSize > 0);
  t.is(result.buildpacks[0]?.name, 'Static site');
  t.is((await daemon.docker.getImage('cli-site:v1').inspect()).Id, result.imageId);
});
