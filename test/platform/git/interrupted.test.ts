/**
 * tspaasd going away during a push: the hook bridge's connection drops while
 * the build runs, and the push must fail (git exits non-zero, the hook says
 * why) without moving the ref.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createGitReceiver, type GitReceiver } from '../../../platform/git/receiver.js';
import { startBuildWorld, type BuildWorld } from '../builds/world.js';

let world: BuildWorld;
let receiver: GitReceiver;
let server: http.Server;

test.before(async () => {
  world = await startBuildWorld('gitgone');
  receiver = await createGitReceiver(world.deps);
  server = http.createServer((req, res) => receiver.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

test.after.always(async () => {
  await new Promise((r) => server?.close(r));
  await world?.cleanup();
});

function git(cwd: string, args: string[], home: string): Promise<{ code: number; stderr: string; stdout: string }> {
  const helper = ['-c', `credential.helper=!f() { echo username=t; echo password=${world.a.token}; }; f`,
    '-c', 'user.email=t@example.com', '-c', 'user.name=T'];
  const env = { ...process.env, HOME: home, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  return new Promise((resolve) => {
    execFile('git', [...helper, ...args], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

test('when tspaasd goes away mid-build the hook fails the push with a message and the ref stays', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tsp-gone-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'Dockerfile'), 'FROM busybox:latest\nRUN echo slow-step-started && sleep 20\n');
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-qm', 'slow']]) await git(dir, args, dir);
  const port = (server.address() as net.AddressInfo).port;
  const pushing = git(dir, ['push', `http://127.0.0.1:${port}/git/${world.a.app.name}.git`, 'main'], dir);
  await new Promise<void>((resolve) => {
    const off = world.deps.events.subscribe(world.a.app.id, (e) => {
      if (e.kind === 'build' && e.line.includes('slow-step-started')) { off(); resolve(); }
    });
  });
  await receiver.close();
  const push = await pushing;
  t.not(push.code, 0);
  t.regex(push.stderr, /remote: .*slow-step-started/);
  t.regex(push.stderr, /remote: .*tspaasd went away before the deploy finished/);
  const ref = await git(dir, ['--git-dir', path.join(world.deps.config.dataDir, 'git', `${world.a.app.name}.git`),
    'rev-parse', '--verify', '-q', 'refs/heads/main'], dir);
  t.not(ref.code, 0, 'the ref did not move');
});
