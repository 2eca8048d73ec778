/**
 * Migration 0009 (roles and tokens) on a database that has data from
 * before it: every existing membership becomes an owner, new ones default
 * to member, and existing tokens get the names token-1, token-2, … per user
 * (oldest first), no expiry, not revoked.
 */
import test from 'ava';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultMigrationsDir, listMigrations, migrate } from '../../../platform/db/migrate.js';
import { createTestDatabase } from '../../helpers/postgres.js';

test('0009 makes old members owners and names old tokens token-N per user', async (t) => {
  const db = await createTestDatabase('tspaas_m0009', undefined, { migrate: false });
  const before = await mkdtemp(path.join(os.tmpdir(), 'tsp-m0009-'));
  t.teardown(async () => { await db.drop(); await rm(before, { recursive: true, force: true }); });
  for (const m of (await listMigrations()).filter((x) => x.version < '0009')) await copyFile(m.file, path.join(before, path.basename(m.file)));
  await migrate(db.url, before);
  const team = (await db.query<{ id: string }>("INSERT INTO teams (name) VALUES ('old') RETURNING id")).rows[0].id;
  const users = [];
  for (const email of ['a@test', 'b@test']) {
    const id = (await db.query<{ id: string }>('INSERT INTO users (email) VALUES ($1) RETURNING id', [email])).rows[0].id;
    await db.query('INSERT INTO memberships (team_id, user_id) VALUES ($1, $2)', [team, id]);
    users.push(id);
  }
  for (const [user, n, at] of [[users[0], 1, '2026-01-01'], [users[0], 2, '2026-02-01'], [users[1], 3, '2026-03-01']] as const) {
    await db.query('INSERT INTO tokens (user_id, hash, prefix, description, created_at) VALUES ($1, $2, $3, $4, $5)', [user, Buffer.from([n]), `tsp_000${n}`, 'old', at]);
  }
  t.true((await migrate(db.url, defaultMigrationsDir())).includes('0009'));
  const roles = await db.query<{ role: string }>('SELECT role FROM memberships ORDER BY role');
  t.deepEqual(roles.rows.map((r) => r.role), ['owner', 'owner']);
  const third = (await db.query<{ id: string }>("INSERT INTO users (email) VALUES ('c@test') RETURNING id")).rows[0].id;
  await db.query('INSERT INTO memberships (team_id, user_id) VALUES ($1, $2)', [team, third]);
  t.is((await db.query<{ role: string }>('SELECT role FROM memberships WHERE user_id = $1', [third])).rows[0].role, 'member');
  const tokens = await db.query<{ prefix: string; name: string; expires_at: Date | null; revoked_at: Date | null }>(
    'SELECT prefix, name, expires_at, revoked_at FROM tokens ORDER BY prefix');
  t.deepEqual(tokens.rows.map((r) => [r.prefix, r.name, r.expires_at, r.revoked_at]),
    [['tsp_0001', 'token-1', null, null], ['tsp_0002', 'token-2', null, null], ['tsp_0003', 'token-1', null, null]]);
  const dup = await t.throwsAsync(db.query("INSERT INTO tokens (user_id, hash, prefix, name) VALUES ($1, '\\x09', 'tsp_0009', 'token-1')", [users[0]]));
  t.regex(dup?.message ?? '', /tokens_user_name/);
  await db.query("UPDATE tokens SET revoked_at = now() WHERE prefix = 'tsp_0001'");
  await db.query("INSERT INTO tokens (user_id, hash, prefix, name) VALUES ($1, '\\x09', 'tsp_0009', 'token-1')", [users[0]]);
  const named = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM tokens WHERE user_id = $1 AND name = 'token-1'", [users[0]]);
  t.is(named.rows[0].n, 2, 'a revoked token\'s name is free again');
});
