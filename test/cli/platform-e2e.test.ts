/**
 * The `tspaas` CLI as real processes against a real tspaasd (PostgreSQL,
 * Redis, engine; test/helpers/platform.ts): login from stdin, whoami, apps,
 * apps:create in a real git repo (remote + credential helper that git asks),
 * config:set/get and releases, and another tenant being refused. Pushes and
 * deploys are covered by test/platform/e2e.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import type { AppInfo, Release, User } from '../../platform/api/types.js';
import { programArgs } from '../helpers/programs.js';

let platform: TestPlatform;
let home: string;
const tokens: Record<string, string> = {};

interface Result { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], cwd: string, user: string, input = ''): Promise<Result> {
  const env = {
    PATH: process.env.PATH, HOME: path.join(home, user), TSPAAS_CONFIG_DIR: path.join(home, user, 'tspaas'),
    GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: user, GIT_AUTHOR_EMAIL: `${user}@example.com`,
    GIT_COMMITTER_NAME: user, GIT_COMMITTER_EMAIL: `${user}@example.com`,
  };
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd, env, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    child.stdin!.on('error', () => { /* may exit before reading */ });
    child.stdin!.end(input);
  });
}
const tspaas = (user: string, args: string[], cwd = home, input = '') => run(process.execPath, [...programArgs('cli/main'), ...args], cwd, user, input);
const git = (user: string, args: string[], cwd: string, input = '') => run('git', args, cwd, user, input);

async function tenant(team: string): Promise<void> {
  const email = `${team}@example.com`;
  await platform.api('POST', '/v1/teams', { name: team });
  await platform.api('POST', '/v1/users', { email, teams: [team] });
  tokens[team] = ((await platform.api('POST', `/v1/users/${encodeURIComponent(email)}/tokens`, { description: 'cli e2e' })) as { token: string }).token;
}

test.before(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'tspaas-cli-e2e-'));
  platform = await startPlatform();
  await tenant('acme');
  await tenant('beta');
});
test.after.always(async () => {
  await platform?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test.serial('login takes the token from stdin, checks it and keeps it 0600; a wrong one is refused with a hint', async (t) => {
  const bad = await tspaas('acme', ['login', platform.apiUrl], home, 'not-a-token\n');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^tspaas: .+\nhint: .*tspaas login/m);
  const ok = await tspaas('acme', ['login', platform.apiUrl], home, `${tokens.acme}\n`);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, `Logged in to ${platform.apiUrl} as acme@example.com\n`);
  t.is((await stat(path.join(home, 'acme', 'tspaas', 'platform.json'))).mode & 0o777, 0o600);
  const who = JSON.parse((await tspaas('acme', ['whoami', '--json'])).stdout) as User;
  t.is(who.email, 'acme@example.com');
  t.deepEqual(who.teams, ['acme']);
  t.deepEqual(JSON.parse((await tspaas('acme', ['apps', '--json'])).stdout), []);
});

test.serial('apps:create in a repo adds the remote and a credential helper git uses; config:set/get and releases', async (t) => {
  const repo = path.join(home, 'acme', 'shop');
  await git('acme', ['init', '-q', '-b', 'main', repo], home);
  const created = await tspaas('acme', ['apps:create', 'shop'], repo);
  t.is(created.code, 0, created.stderr);
  t.is((await git('acme', ['config', '--get', 'remote.tspaas.url'], repo)).stdout.trim(), `${platform.apiUrl}/git/shop.git`);
  const host = new URL(platform.apiUrl).host;
  const fill = await git('acme', ['credential', 'fill'], repo, `protocol=http\nhost=${host}\npath=git/shop.git\n\n`);
  t.regex(fill.stdout, new RegExp(`^password=${tokens.acme}$`, 'm'));

  const set = await tspaas('acme', ['config:set', 'GREETING=bonjour', 'COLOUR=blue'], repo);
  t.is(set.code, 0, set.stderr);
  t.regex(set.stdout, /^Set GREETING, COLOUR: release v\d+\n/);
  t.is((await tspaas('acme', ['config:get', 'GREETING'], repo)).stdout, 'bonjour\n');
  t.is((await tspaas('acme', ['config:unset', 'COLOUR'], repo)).code, 0);
  t.deepEqual(JSON.parse((await tspaas('acme', ['config', '--json'], repo)).stdout), { GREETING: 'bonjour' });
  const releases = JSON.parse((await tspaas('acme', ['releases', '--json'], repo)).stdout) as Release[];
  t.true(releases.length >= 2);
  t.regex(releases[0]!.description, /COLOUR/);
  t.is(releases[0]!.userEmail, 'acme@example.com');
  const table = await tspaas('acme', ['releases'], repo);
  t.regex(table.stdout, new RegExp(`^VERSION +STATUS +DESCRIPTION +BY +WHEN\\nv${releases[0]!.version} `));
  const info = JSON.parse((await tspaas('acme', ['apps:info', '--json'], repo)).stdout) as AppInfo;
  t.is(info.name, 'shop');
  t.is(info.team, 'acme');
});

test.serial('another tenant gets "not found" for the app, with exit code 1', async (t) => {
  t.is((await tspaas('beta', ['login', platform.apiUrl, '--token', tokens.beta!])).code, 0);
  t.deepEqual(JSON.parse((await tspaas('beta', ['apps', '--json'])).stdout), []);
  for (const args of [['apps:info'], ['config'], ['releases'], ['config:set', 'X=1']]) {
    const r = await tspaas('beta', [...args, '-a', 'shop']);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, /^tspaas: .*not found/im, args.join(' '));
  }
});
