/**
 * Issue 17, part 1 and 6: `tspaas teams:quota` and `tspaas quota` as real
 * processes against the real API and database (test/platform/api/harness.ts),
 * and a real `tspaas scale` refused by the team's processes quota with the
 * message, the formation unchanged. The deployer is the real one; its
 * scheduler and job queues are absent (a scale within the quota meets them).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDeployer } from '../../platform/deploy/index.js';
import type { TeamQuota } from '../../platform/api/types.js';
import type { Deployer, Scheduler } from '../../platform/types.js';
import { absent, must, seedRelease, startApi, type TestApi } from '../platform/api/harness.js';
import { programArgs } from '../helpers/programs.js';

let api: TestApi;
let deployer: Deployer | undefined;
let home: string;

interface Result { code: number; stdout: string; stderr: string }

/** The CLI as `user` (own HOME and config dir). */
function tspaas(user: string, args: string[]): Promise<Result> {
  const env = { PATH: process.env.PATH, HOME: path.join(home, user), TSPAAS_CONFIG_DIR: path.join(home, user, 'tspaas') };
  return new Promise((resolve) => {
    execFile(process.execPath, [...programArgs('cli/main'), ...args], { cwd: home, env, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

test.before(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'tspaas-cli-quota-'));
  const lazy = new Proxy({} as Deployer, { get: (_t, prop) => (deployer as unknown as Record<string | symbol, unknown>)[prop] });
  api = await startApi('cli_quota', { deployer: lazy });
  const scheduler = new Proxy(absent<Scheduler>('scheduler'), { get: (t, prop) => (prop === 'watchExits' ? () => () => undefined : t[prop as keyof Scheduler]) });
  deployer = createDeployer({ ...api.deps, scheduler });
  const member = await api.tenant('cq');
  await must(api.call('POST', '/v1/apps', { token: member.token, body: { name: 'cq-shop' } }), 201);
  await seedRelease(api.db, 'cq-shop', 1, { current: true, processTypes: { web: 'node web.js' } });
  for (const [user, token] of [['admin', api.adminToken], ['member', member.token]]) {
    const r = await tspaas(user, ['login', api.url, '--token', token]);
    if (r.code !== 0) throw new Error(`login: ${r.stderr}`);
  }
});
test.after.always(async () => {
  await deployer?.close();
  await api?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

test.serial('an admin sets limits with teams:quota (sizes, plan lists, none); the table shows use against them', async (t) => {
  const set = await tspaas('admin', ['teams:quota', 'cq', '--processes', '2', '--memory', '1.5G', '--plans', 'basic,Standard-1X', '--build-minutes', '60']);
  t.is(set.code, 0, set.stderr);
  t.is(set.stdout, [
    'Team cq',
    'QUOTA                   USED      LIMIT',
    'apps                    1         unlimited',
    'processes               1         2',
    'memory                  512M      1536M',
    'cpu                     1         unlimited',
    'plans                             basic, standard-1x',
    'build minutes (today)   0         60',
    'builds (at once)        0         unlimited',
    'disk                    unknown   unlimited', // the builder (the engine) is not part of this test
    'domains                 0         unlimited',
    '',
  ].join('\n'));
  const json = JSON.parse((await tspaas('admin', ['--json', 'teams:quota', 'cq', '--build-minutes', 'none'])).stdout) as TeamQuota;
  t.like(json.limits, { processes: 2, memoryBytes: 1.5 * 1024 ** 3, plans: ['basic', 'standard-1x'], buildMinutes: null });
  const bad = await tspaas('admin', ['teams:quota', 'cq', '--memory', 'lots']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^tspaas: invalid memory quota "lots"/);
});

test.serial('tspaas scale and tspaas run past the processes quota are refused with the numbers; the formation stays', async (t) => {
  const r = await tspaas('member', ['scale', 'web=3', '-a', 'cq-shop']);
  t.is(r.code, 1);
  t.is(r.stderr, 'tspaas: quota exceeded: team cq may run 2 processes; it runs 1 and this scale asks for 2 more\n');
  const f = (await must(api.call('GET', '/v1/apps/cq-shop/formation'), 200)).body as Array<{ quantity: number }>;
  t.deepEqual(f.map((e) => e.quantity), [1]);
  await must(api.call('PATCH', '/v1/teams/cq/quota', { body: { processes: 1 } }), 200);
  for (const args of [['run', '--no-tty', '-a', 'cq-shop', 'true'], ['run', '-d', '-a', 'cq-shop', 'true']]) {
    const run = await tspaas('member', args);
    t.is(run.code, 1, args.join(' '));
    t.true(run.stderr.startsWith('tspaas: quota exceeded: team cq may run 1 process; it runs 1 and this run asks for 1 more\n'), `${args.join(' ')}: ${run.stderr}`);
  }
  await must(api.call('PATCH', '/v1/teams/cq/quota', { body: { processes: 2 } }), 200);
});

test.serial('members see their quota (table and --json, the same data as the API) and may not change it', async (t) => {
  const shown = await tspaas('member', ['quota']);
  t.is(shown.code, 0, shown.stderr);
  t.regex(shown.stdout, /^Team cq\nQUOTA +USED +LIMIT\napps +1 +unlimited\nprocesses +1 +2\n/);
  const json = JSON.parse((await tspaas('member', ['--json', 'quota', '--team', 'cq'])).stdout) as TeamQuota;
  t.deepEqual(json, (await must(api.call('GET', '/v1/teams/cq/quota'), 200)).body);
  const refused = await tspaas('member', ['teams:quota', 'cq', '--processes', '100']);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'tspaas: only admins may do this\n');
  const cleared = JSON.parse((await tspaas('admin', ['--json', 'teams:quota', 'cq', '--clear', '--apps', '3'])).stdout) as TeamQuota;
  t.like(cleared.limits, { apps: 3, processes: null, memoryBytes: null, plans: null });
});
