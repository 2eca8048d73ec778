/**
 * `tspaas image build` against a real tspaasd: the context is packed by the
 * CLI honoring .dockerignore (Dockerfile and .dockerignore always sent), -f
 * outside the context and -f -, --build-arg, --label, -q and --json.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { excluded, parseDockerignore } from '../../cli/build-context.js';
import { startDaemon } from '../helpers/daemon.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function tspaas(socket: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'cli/main.ts'), ...args], { cwd: REPO, env: { ...process.env, TSPAAS_ENGINE_SOCK: socket, WHO_ENV: 'from-env' } });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (b: Buffer) => { out.stdout += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out.stderr += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ...out }));
    child.stdin.end(input);
  });
}

test('the CLI matcher follows Docker\'s .dockerignore rules', (t) => {
  const p = parseDockerignore('*.log\n!keep.log\n**/tmp\n/dist/\n');
  t.true(excluded(p, 'a.log'));
  t.false(excluded(p, 'keep.log'));
  t.true(excluded(p, 'x/y/tmp/z'));
  t.true(excluded(p, 'dist/app.js'));
  t.false(excluded(p, 'src/dist.js'));
});

test('tspaas image build: .dockerignore, -f, --build-arg, --label, -q, --json', async (t) => {
  t.timeout(5 * 60_000);
  const d = await startDaemon();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-cli-build-'));
  t.teardown(async () => { await d.cleanup(); await rm(dir, { recursive: true, force: true }); });
  const ctx = path.join(dir, 'ctx');
  await mkdir(path.join(ctx, 'logs'), { recursive: true });
  await writeFile(path.join(ctx, 'Dockerfile'), 'FROM busybox\nARG WHO\nCOPY . /ctx/\nRUN echo "$WHO" > /who && find /ctx -type f | sort > /files\nCMD ["cat", "/who", "/files"]\n');
  await writeFile(path.join(ctx, '.dockerignore'), 'logs\n!logs/keep.txt\nDockerfile\n');
  await writeFile(path.join(ctx, 'logs', 'a.txt'), 'x');
  await writeFile(path.join(ctx, 'logs', 'keep.txt'), 'x');
  await writeFile(path.join(ctx, 'app.txt'), 'x');
  const built = await tspaas(d.socket, ['image', 'build', '-t', 'clibuild:1', '--build-arg', 'WHO=cli', '--label', 'a=b', ctx]);
  t.is(built.code, 0, built.stderr);
  t.regex(built.stderr, /Step 1\/6 : FROM busybox/);
  t.regex(built.stderr, /Step 6\/6 : LABEL "a"="b"/);
  t.regex(built.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  const run = await tspaas(d.socket, ['container', 'run', '--rm', 'clibuild:1']);
  t.is(run.stdout, 'cli\n/ctx/.dockerignore\n/ctx/app.txt\n/ctx/logs/keep.txt\n', run.stderr);
  const inspect = JSON.parse((await tspaas(d.socket, ['image', 'inspect', 'clibuild:1'])).stdout) as Array<{ Config: { Labels: Record<string, string> } }>;
  t.deepEqual(inspect[0].Config.Labels, { a: 'b' });

  await writeFile(path.join(dir, 'Outside.dockerfile'), 'FROM busybox\nARG WHO_ENV\nRUN echo "$WHO_ENV" > /w\n');
  const outside = await tspaas(d.socket, ['image', 'build', '-q', '--build-arg', 'WHO_ENV', '-f', path.join(dir, 'Outside.dockerfile'), ctx]);
  t.is(outside.code, 0, outside.stderr);
  t.regex(outside.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const fromStdin = await tspaas(d.socket, ['image', 'build', '--json', '-f', '-', ctx], 'FROM busybox\nENV X=1\n');
  t.is(fromStdin.code, 0, fromStdin.stderr);
  const lines = fromStdin.stdout.trim().split('\n').map((l) => JSON.parse(l) as { aux?: { ID: string } });
  t.truthy(lines.find((l) => l.aux?.ID));
  const failed = await tspaas(d.socket, ['image', 'build', '-f', '-', ctx], 'FROM busybox\nRUN exit 4\n');
  t.not(failed.code, 0);
  t.regex(failed.stderr, /The command '\/bin\/sh -c exit 4' returned a non-zero code: 4/);
});
