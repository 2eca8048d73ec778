/**
 * Issue 12: admins delete teams and users. A deleted user's tokens answer
 * 401 at once; a team that still has apps is refused with their names; only
 * admins may delete, and nobody deletes themselves.
 */
import test from 'ava';
import { startApi, must, type TestApi } from './harness.js';

let api: TestApi;
test.before(async () => { api = await startApi('api_accounts'); });
test.after.always(async () => { await api?.close(); });

interface ErrorBody { error: { kind: string; message: string } }

test('deleting a user revokes every token of theirs at once; their teams stay', async (t) => {
  const bob = await api.tenant('bobs');
  const second = (await must(api.call('POST', `/v1/users/${bob.email}/tokens`, { token: bob.token, body: { description: 'ci' } }), 201)).body as { token: string };
  await must(api.call('GET', '/v1/whoami', { token: bob.token }), 200);
  await must(api.call('DELETE', `/v1/users/${encodeURIComponent(bob.email)}`), 204);
  for (const token of [bob.token, second.token]) {
    const r = await api.call('GET', '/v1/apps', { token });
    t.is(r.status, 401, 'a deleted user\'s token is refused on the very next call');
  }
  const left = await api.db.query<{ n: string }>('SELECT count(*) AS n FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1', [bob.email]);
  t.is(left.rows[0].n, '0');
  const users = (await must(api.call('GET', '/v1/users'), 200)).body as Array<{ email: string }>;
  t.false(users.some((u) => u.email === bob.email));
  const teams = (await must(api.call('GET', '/v1/teams'), 200)).body as Array<{ name: string }>;
  t.true(teams.some((x) => x.name === 'bobs'), 'the team outlives its member');
  t.is((await api.call('DELETE', `/v1/users/${encodeURIComponent(bob.email)}`)).status, 404, 'deleting again: not found');
  const audit = await api.db.query<{ action: string; details: { email: string } }>(
    "SELECT action, details FROM audit_log WHERE action = 'users.delete' AND details->>'email' = $1", [bob.email]);
  t.is(audit.rows.length, 1, 'one audit row for the deletion (the refused second one writes none)');
});

test('a team\'s last owner is not deleted while others are in it; once another member owns it, they are', async (t) => {
  const gina = await api.tenant('ginas');
  await must(api.call('POST', '/v1/users', { body: { email: 'hank@test', teams: ['ginas'] } }), 201);
  const refused = await api.call('DELETE', `/v1/users/${encodeURIComponent(gina.email)}`);
  t.is(refused.status, 409);
  t.is((refused.body as ErrorBody).error.message, `cannot delete ${gina.email}: the last owner of team ginas, which others are members of; `
    + 'make another member an owner first (members:set-role EMAIL --team ginas --role owner)');
  await must(api.call('GET', '/v1/whoami', { token: gina.token }), 200);
  await must(api.call('PATCH', '/v1/teams/ginas/members/hank@test', { body: { role: 'owner' } }), 200);
  await must(api.call('DELETE', `/v1/users/${encodeURIComponent(gina.email)}`), 204);
  const members = (await must(api.call('GET', '/v1/teams/ginas/members'), 200)).body;
  t.deepEqual(members, [{ email: 'hank@test', role: 'owner' }]);
});

test('a team with apps is refused with the apps named; once they are gone it is deleted, members stay without it', async (t) => {
  const carol = await api.tenant('carols');
  await must(api.call('POST', '/v1/apps', { token: carol.token, body: { name: 'carol-web' } }), 201);
  await must(api.call('POST', '/v1/apps', { token: carol.token, body: { name: 'carol-api' } }), 201);
  const refused = await api.call('DELETE', '/v1/teams/carols');
  t.is(refused.status, 409);
  t.is((refused.body as ErrorBody).error.kind, 'Conflict');
  t.is((refused.body as ErrorBody).error.message, 'team carols still has apps: carol-api, carol-web; destroy them first');
  // The apps' rows go (as the erase job's last step does); then the team may go.
  await api.db.query("DELETE FROM apps WHERE name IN ('carol-web', 'carol-api')");
  await must(api.call('DELETE', '/v1/teams/carols'), 204);
  const me = (await must(api.call('GET', '/v1/whoami', { token: carol.token }), 200)).body as { teams: string[] };
  t.deepEqual(me.teams, [], 'the member stays, in no team');
  t.is((await api.call('POST', '/v1/apps', { token: carol.token, body: { name: 'carol-new' } })).status, 400, 'no team to create apps in');
  t.is((await api.call('DELETE', '/v1/teams/carols')).status, 404);
});

test('an app being destroyed still blocks its team, named as such', async (t) => {
  const dave = await api.tenant('daves');
  await must(api.call('POST', '/v1/apps', { token: dave.token, body: { name: 'dave-web' } }), 201);
  await api.db.query("UPDATE apps SET destroying_at = now() WHERE name = 'dave-web'");
  const refused = await api.call('DELETE', '/v1/teams/daves');
  t.is(refused.status, 409);
  t.is((refused.body as ErrorBody).error.message, 'team daves still has apps: dave-web (being destroyed); destroy them first');
  t.is((await api.call('GET', '/v1/apps/dave-web', { token: dave.token })).status, 404, 'an app being destroyed exists for nobody');
  t.is((await api.call('GET', '/v1/apps/dave-web')).status, 404, 'not even for admins');
  const taken = await api.call('POST', '/v1/apps', { token: dave.token, body: { name: 'dave-web' } });
  t.is(taken.status, 409, 'its name stays taken until the erase ends');
});

test('only admins delete users and other teams (owners their own: roles.test.ts); nobody deletes themselves', async (t) => {
  const erin = await api.tenant('erins');
  t.is((await api.call('DELETE', '/v1/teams/admin', { token: erin.token })).status, 404, 'a team she is not in does not exist for her');
  t.is((await api.call('DELETE', `/v1/users/${encodeURIComponent(erin.email)}`, { token: erin.token })).status, 403, 'not even herself');
  t.is((await api.call('DELETE', '/v1/users/admin@localhost', { token: erin.token })).status, 403);
  const self = await api.call('DELETE', '/v1/users/admin@localhost');
  t.is(self.status, 409);
  t.regex((self.body as ErrorBody).error.message, /cannot delete yourself/);
  await must(api.call('GET', '/v1/whoami'), 200);
  t.is((await api.call('DELETE', '/v1/users/nobody@test')).status, 404);
  t.is((await api.call('DELETE', '/v1/teams/no-such-team')).status, 404);
});
