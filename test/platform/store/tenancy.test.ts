import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import { bootstrapAdmin } from '../../../platform/auth/bootstrap.js';
import { findApp } from '../../../platform/auth/ownership.js';
import { authenticateToken, issueToken } from '../../../platform/auth/tokens.js';
import { openDb, type Db } from '../../../platform/db/pool.js';
import { insertApp, listApps } from '../../../platform/store/apps.js';
import { addMembership, insertTeam } from '../../../platform/store/teams.js';
import { insertUser } from '../../../platform/store/users.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';

let tdb: TestDatabase;
let db: Db;
test.before(async () => { tdb = await createTestDatabase('store_tenancy'); db = await openDb(tdb.url, 8); });
test.after.always(async () => { await db?.close(); await tdb?.drop(); });

test.serial('bootstrapAdmin: racing processes make one admin and one token; later starts make none', async (t) => {
  const results = await Promise.all([bootstrapAdmin(db), bootstrapAdmin(db), bootstrapAdmin(db)]);
  const tokens = results.filter((r): r is string => r !== null);
  t.is(tokens.length, 1);
  const caller = await authenticateToken(db, tokens[0]);
  t.like(caller.user, { email: 'admin@localhost', isAdmin: true, teams: ['admin'] });
  t.is(await bootstrapAdmin(db), null);
  t.is((await db.query('SELECT 1 FROM users')).rowCount, 1);
});

test.serial('findApp: own apps are found; other teams\' apps and missing ones are NotFound alike; admins see all', async (t) => {
  const teamA = await insertTeam(db, 'ta');
  const teamB = await insertTeam(db, 'tb');
  const ua = await insertUser(db, 'ua@test', false);
  await addMembership(db, teamA.id, ua);
  await insertApp(db, 'app-a', teamA.id);
  await insertApp(db, 'app-b', teamB.id);
  const { token } = await issueToken(db, ua, { name: 'test' });
  const caller = await authenticateToken(db, token);
  t.is((await findApp(db, caller, 'app-a', 'owner')).teamName, 'ta'); // the team's first member is its owner
  const theirs = await t.throwsAsync(findApp(db, caller, 'app-b', 'viewer'));
  const missing = await t.throwsAsync(findApp(db, caller, 'app-x', 'viewer'));
  t.true(isKind(theirs, 'NotFound') && isKind(missing, 'NotFound'));
  t.deepEqual((await listApps(db, caller.teamIds)).map((a) => a.name), ['app-a']);
  const admin = await authenticateToken(db, (await issueToken(db, (await db.query<{ id: string }>("SELECT id FROM users WHERE email = 'admin@localhost'")).rows[0].id, { name: 'x' })).token);
  t.is((await findApp(db, admin, 'app-b', 'owner')).teamName, 'tb');
  const dup = await t.throwsAsync(insertApp(db, 'app-b', teamA.id));
  t.true(isKind(dup, 'Conflict'));
  t.is(dup?.message, 'name is taken');
  t.true(isKind(await t.throwsAsync(insertApp(db, 'Bad_Name', teamA.id)), 'Invalid'));
});

test('authenticateToken: unknown, malformed and tampered tokens are Unauthorized', async (t) => {
  const uid = await insertUser(db, 'tok@test', false);
  const { token } = await issueToken(db, uid);
  for (const bad of ['', 'tsp_', `${token}x`, token.slice(0, -1), token.replace('tsp_', 'tsx_')]) {
    t.true(isKind(await t.throwsAsync(authenticateToken(db, bad)), 'Unauthorized'), bad);
  }
  t.is((await authenticateToken(db, token)).user.email, 'tok@test');
});

// Issue 13 part 2: each team's user namespace range (migration 0005).
test.serial('teams get distinct user namespace ranges of 65536 ids from 2^30 up, carried by their apps; a deleted team\'s range is never handed out again', async (t) => {
  const teams = await Promise.all(['ns1', 'ns2', 'ns3', 'ns4'].map((n) => insertTeam(db, n)));
  const apps = await Promise.all(teams.map((team, i) => insertApp(db, `ns-app-${i}`, team.id)));
  const starts = apps.map((a) => a.teamUsernsHostId).sort((a, b) => a - b);
  t.true(starts[0] >= 2 ** 30);
  for (let i = 1; i < starts.length; i++) t.true(starts[i] >= starts[i - 1] + 65536, 'ranges do not overlap');
  const last = starts[starts.length - 1];
  await db.query('DELETE FROM apps WHERE team_id = $1', [teams[3].id]);
  await db.query('DELETE FROM teams WHERE id = $1', [teams[3].id]);
  const next = await insertApp(db, 'ns-app-next', (await insertTeam(db, 'ns5')).id);
  t.true(next.teamUsernsHostId > last);
  // the column cannot be set to a range below 2^30 (the engine's --userns=auto pool) or past 2^32 - 1
  await t.throwsAsync(db.query('UPDATE teams SET userns_host_id = 100000 WHERE id = $1', [teams[0].id]));
  await t.throwsAsync(db.query('UPDATE teams SET userns_host_id = 4294967295 WHERE id = $1', [teams[0].id]));
});
