/**
 * `tspaas teams*`, `members*` and `tokens*` (issue 17) as real CLI processes
 * against the real API (test/platform/api/harness.ts: its own PostgreSQL
 * database, the koa app on loopback), with TSPAAS_URL/TSPAAS_TOKEN as CI
 * would give them: tables for humans, `--json` for scripts, errors with
 * their hint and exit code 1.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Member, NewToken, TeamInfo, TokenInfo } from '../../platform/api/types.js';
import { startApi, must, type TestApi } from '../platform/api/harness.js';
import { programArgs } from '../helpers/programs.js';

let api: TestApi;
let home: string;
let owner: { email: string; token: string };

interface Result { code: number; stdout: string; stderr: string }

/** `tspaas ARGS` with `token` (default: the team owner's). */
function tspaas(args: string[], token = owner.token): Promise<Result> {
  const env = { PATH: process.env.PATH, HOME: home, TSPAAS_CONFIG_DIR: path.join(home, 'tspaas'), TSPAAS_URL: api.url, TSPAAS_TOKEN: token };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...programArgs('cli/main'), ...args], { cwd: home, env, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
    child.stdin!.end();
  });
}

test.before(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'tspaas-cli-teams-'));
  api = await startApi('cli_teams');
  owner = await api.tenant('squad');
  await must(api.call('POST', '/v1/users', { body: { email: 'mia@test', teams: [] } }), 201);
});
test.after.always(async () => {
  await api?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

test.serial('teams, teams:create, teams:destroy: tables, --json, admins only where it says', async (t) => {
  const mine = await tspaas(['teams']);
  t.is(mine.code, 0, mine.stderr);
  t.regex(mine.stdout, /^NAME\s+ROLE\s+CREATED\nsquad\s+owner\s+\S.* ago\n$/);
  const created = await tspaas(['teams:create', 'crew2'], api.adminToken);
  t.is(created.code, 0, created.stderr);
  t.regex(created.stdout, /Created team crew2: add its owner with `tspaas members:add EMAIL --team crew2 --role owner`/);
  const all = JSON.parse((await tspaas(['teams', '--json'], api.adminToken)).stdout) as TeamInfo[];
  t.deepEqual(all.map((x) => [x.name, x.role]), [['admin', 'owner'], ['crew2', null], ['squad', null]]);
  const refused = await tspaas(['teams:create', 'mine']);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'tspaas: only admins may do this\n');
  const unconfirmed = await tspaas(['teams:destroy', 'crew2'], api.adminToken);
  t.is(unconfirmed.code, 1);
  t.regex(unconfirmed.stderr, /confirmation "" does not match the team "crew2"\nhint: pass --confirm crew2/);
  const destroyed = await tspaas(['teams:destroy', 'crew2', '--confirm', 'crew2'], api.adminToken);
  t.is(destroyed.code, 0, destroyed.stderr);
  t.is(destroyed.stdout, 'Deleted team crew2\n');
});

test.serial('members, members:add, members:set-role, members:remove; the last owner stays', async (t) => {
  const added = await tspaas(['members:add', 'mia@test', '--role', 'viewer']);
  t.is(added.code, 0, added.stderr);
  t.is(added.stdout, 'Added mia@test to team squad as viewer\n');
  const list = await tspaas(['members', '--team', 'squad']);
  t.is(list.stdout, 'EMAIL        ROLE\nsquad@test   owner\nmia@test     viewer\n');
  const promoted = await tspaas(['members:set-role', 'mia@test', '-t', 'squad', '--role', 'member']);
  t.is(promoted.stdout, 'mia@test is now a member of team squad\n');
  t.deepEqual(JSON.parse((await tspaas(['members', '--json'])).stdout) as Member[], [{ email: owner.email, role: 'owner' }, { email: 'mia@test', role: 'member' }]);
  const badRole = await tspaas(['members:set-role', 'mia@test', '--role', 'boss']);
  t.is(badRole.code, 1);
  t.is(badRole.stderr, 'tspaas: "boss" is not a role\nhint: use one of owner, member, viewer\n');
  const last = await tspaas(['members:remove', owner.email]);
  t.is(last.code, 1);
  t.regex(last.stderr, /last owner of team squad/);
  const removed = await tspaas(['members:remove', 'mia@test', '--team', 'squad']);
  t.is(removed.stdout, 'Removed mia@test from team squad\n');
  const notMine = await tspaas(['members', '--team', 'admin']);
  t.is(notMine.code, 1);
  t.is(notMine.stderr, 'tspaas: team admin not found\n');
});

test.serial('tokens, tokens:create --expires, tokens:revoke: the secret once, refused at once after', async (t) => {
  const made = await tspaas(['tokens:create', 'laptop', '--expires', '30d']);
  t.is(made.code, 0, made.stderr);
  const m = /^Created token laptop \(expires (\S+)\)\. Its secret, shown this once:\n(tsp_\S+)\n$/.exec(made.stdout);
  t.truthy(m, made.stdout);
  const secret = m![2];
  t.is((await tspaas(['whoami', '--json'], secret)).code, 0);
  const json = JSON.parse((await tspaas(['tokens:create', 'ci', '--json'])).stdout) as NewToken;
  t.like(json, { name: 'ci', expiresAt: null });
  const table = (await tspaas(['tokens'])).stdout;
  t.regex(table, /^NAME\s+PREFIX\s+CREATED\s+EXPIRES\s+LAST USED\s+STATUS\n/);
  t.regex(table, new RegExp(`\\nlaptop\\s+${secret.slice(0, 8)}\\s+.+ ago\\s+${m![1]}\\s+.+ ago\\s+active\\n`));
  t.false(table.includes(secret));
  const bad = await tspaas(['tokens:create', 'x', '--expires', 'soon']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /expires "soon" is neither a duration/);
  const revoked = await tspaas(['tokens:revoke', 'laptop']);
  t.is(revoked.stdout, 'Revoked token laptop\n');
  const after = await tspaas(['apps'], secret);
  t.is(after.code, 1);
  t.regex(after.stderr, /^tspaas: token revoked \(at .+\)\nhint: /);
  const listed = JSON.parse((await tspaas(['tokens', '--json'])).stdout) as TokenInfo[];
  t.is(listed.find((x) => x.name === 'laptop')!.status, 'revoked');
  // Another user's tokens: admins only.
  t.regex((await tspaas(['tokens', '--user', 'admin@localhost'])).stderr, /only admins may see or change the tokens of other users/);
  const theirs = JSON.parse((await tspaas(['tokens', '--user', owner.email, '--json'], api.adminToken)).stdout) as TokenInfo[];
  t.true(theirs.some((x) => x.name === 'ci'));
  t.is((await tspaas(['tokens:revoke', 'ci', '--user', owner.email], api.adminToken)).code, 0);
  t.is((await tspaas(['whoami'], json.token)).code, 1);
});

test.serial('users, users:create, users:destroy: admins only; the new user\'s token made for them works', async (t) => {
  const created = await tspaas(['users:create', 'zed@test', '--team', 'squad'], api.adminToken);
  t.is(created.code, 0, created.stderr);
  t.is(created.stdout, 'Created user zed@test in squad: make their token with `tspaas tokens:create NAME --user zed@test`\n');
  const list = await tspaas(['users'], api.adminToken);
  t.regex(list.stdout, /^EMAIL\s+ADMIN\s+TEAMS\s+CREATED\n/);
  t.regex(list.stdout, /\nzed@test\s+no\s+squad\s+\S.* ago\n/);
  t.true((JSON.parse((await tspaas(['users', '--json'], api.adminToken)).stdout) as Array<{ email: string }>).some((u) => u.email === 'zed@test'));
  const made = JSON.parse((await tspaas(['tokens:create', 'zed-laptop', '--user', 'zed@test', '--json'], api.adminToken)).stdout) as NewToken;
  t.is((await tspaas(['members'], made.token)).code, 0, 'the new user is in squad');
  const refused = await tspaas(['users:create', 'eve@test']);
  t.is(refused.code, 1);
  t.is(refused.stderr, 'tspaas: only admins may do this\n');
  const unconfirmed = await tspaas(['users:destroy', 'zed@test'], api.adminToken);
  t.is(unconfirmed.code, 1);
  t.regex(unconfirmed.stderr, /confirmation "" does not match the user "zed@test"\nhint: pass --confirm zed@test/);
  const destroyed = await tspaas(['users:destroy', 'zed@test', '--confirm', 'zed@test'], api.adminToken);
  t.is(destroyed.code, 0, destroyed.stderr);
  t.is(destroyed.stdout, 'Deleted user zed@test\n');
  const gone = await tspaas(['members'], made.token);
  t.is(gone.code, 1, 'the deleted user\'s token is refused at once');
  t.regex(gone.stderr, /^tspaas: /);
});
