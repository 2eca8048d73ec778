/**
 * Issue 17, part 1, end to end with real git: a `git push` through tspaasd's
 * listener (the receiver, the pre-receive hook, the hook bridge) refused by
 * the team's concurrent builds, build minutes and disk quotas, with the
 * message in git's output, the branch not moved and no build recorded.
 * The disk is measured for real by the Builder on a real engine (an image
 * tagged for the app, its buildpack cache). The job queues are absent: a
 * push within the quotas records its build and then fails on them (503),
 * which shows where the quotas stopped the others.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBuilder } from '../../../platform/builds/builder.js';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { must, startApi, type TestApi } from './harness.js';

let te: TestEngine;
let api: TestApi;
let base: string;
let cacheRoot: string;
let tenant: { team: string; token: string };

test.before(async () => {
  te = await startTestEngine();
  base = await mkdtemp(path.join(os.tmpdir(), 'tsp-qb-'));
  cacheRoot = path.join(base, 'build-caches');
  api = await startApi('api_quota_builds', { builder: createBuilder(te.engine, { cacheRoot }) });
  tenant = await api.tenant('qb-team');
  await must(api.call('POST', '/v1/apps', { token: tenant.token, body: { name: 'qb-shop' } }), 201);
});
test.after.always(async () => {
  await api?.close();
  await te?.cleanup();
  if (base) await rm(base, { recursive: true, force: true });
});

/** git with no user config and the tenant's token from a credential helper, as the CLI sets it up. */
function git(cwd: string, args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const helper = ['-c', `credential.helper=!f() { echo username=tspaas; echo password=${tenant.token}; }; f`];
  const env = { ...process.env, HOME: base, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  return new Promise((resolve) => {
    execFile('git', [...helper, ...args], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A repository with one commit (`n` makes each one new), pushed to qb-shop's main. */
async function push(n: number): Promise<{ code: number; stderr: string }> {
  const dir = await mkdtemp(path.join(base, 'src-'));
  await writeFile(path.join(dir, 'index.html'), `hello ${n}\n`);
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-qm', `v${n}`]]) {
    const r = await git(dir, args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  return git(dir, ['push', `${api.url}/git/qb-shop.git`, 'main']);
}

const builds = async () => (await api.db.query<{ status: string }>(
  "SELECT b.status FROM builds b JOIN apps a ON a.id = b.app_id WHERE a.name = 'qb-shop' ORDER BY b.created_at")).rows.map((r) => r.status);
const serverRef = async () => {
  const r = await git(base, ['--git-dir', path.join(api.config.dataDir, 'git', 'qb-shop.git'), 'rev-parse', '--verify', '-q', 'refs/heads/main']);
  return r.code === 0 ? r.stdout.trim() : null;
};
const setQuota = (limits: object) => must(api.call('PUT', '/v1/teams/qb-team/quota', { body: limits }), 200);

test.serial('within its quotas a push records its build (and then meets the absent job queue)', async (t) => {
  const r = await push(1);
  t.not(r.code, 0);
  t.regex(r.stderr, /Push rejected: jobs is not part of this test/);
  t.deepEqual(await builds(), ['pending']);
});

test.serial('concurrent builds: a push while the team\'s build is pending is refused; no build recorded, the branch unmoved', async (t) => {
  await setQuota({ builds: 1 });
  const r = await push(2);
  t.not(r.code, 0);
  t.regex(r.stderr, /Push rejected: quota exceeded: team qb-team may run 1 build at a time; it runs 1 and this git push asks for 1 more/);
  t.deepEqual(await builds(), ['pending']);
  t.is(await serverRef(), null);
});

test.serial('build minutes: once the team built for its minutes today, a push is refused', async (t) => {
  await api.db.query("UPDATE builds SET status = 'failed', created_at = now() - interval '11 minutes', finished_at = now()");
  await setQuota({ builds: 1, buildMinutes: 10 });
  const r = await push(3);
  t.regex(r.stderr, /Push rejected: quota exceeded: team qb-team may build for 10 minutes a day; it built for 11 minutes today \(UTC\) and this git push asks for another build/);
  t.deepEqual(await builds(), ['failed']);
  t.like((await must(api.call('GET', '/v1/teams/qb-team/quota', { token: tenant.token }), 200)).body, { use: { buildMinutes: 11, builds: 0 } });
  await api.db.query("UPDATE builds SET created_at = now() - interval '2 days', finished_at = now() - interval '2 days' + interval '11 minutes'");
  t.like((await must(api.call('GET', '/v1/teams/qb-team/quota', { token: tenant.token }), 200)).body, { use: { buildMinutes: 0 } }, 'only today counts');
});

test.serial('disk: the app\'s images and build cache are measured; a team at its disk quota cannot push', async (t) => {
  const image = await te.engine.ensureImage('busybox');
  await te.engine.images.tag('busybox', 'tspaas/qb-shop:build-00000001');
  const imageBytes = image.layers.reduce((n, l) => n + l.descriptor.size, 0);
  await mkdir(path.join(cacheRoot, 'qb-shop', 'node'), { recursive: true });
  await writeFile(path.join(cacheRoot, 'qb-shop', 'node', 'modules.tar'), Buffer.alloc(3 * 1024 ** 2));
  const use = ((await must(api.call('GET', '/v1/teams/qb-team/quota', { token: tenant.token }), 200)).body as { use: { diskBytes: number } }).use;
  t.is(use.diskBytes, imageBytes + 3 * 1024 ** 2);
  await setQuota({ diskBytes: 3 * 1024 ** 2 });
  const r = await push(4);
  t.regex(r.stderr, /Push rejected: quota exceeded: team qb-team may use 3 MiB of disk; it uses [\d.]+ MiB \(images and build caches\) and this git push needs a new build *$/m);
  t.deepEqual(await builds(), ['failed']);
  t.is(await serverRef(), null);
  await setQuota({ diskBytes: imageBytes + 4 * 1024 ** 2 });
  t.regex((await push(5)).stderr, /jobs is not part of this test/, 'under the quota again: the push goes on');
});
