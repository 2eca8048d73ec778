/**
 * First start: with no users at all, create team `admin`, the admin user
 * `admin@localhost` and a token whose secret is printed once.
 */
import type { Db } from '../db/pool.js';
import { addMembership, insertTeam, listTeams } from '../store/teams.js';
import { countUsers, insertUser } from '../store/users.js';
import { issueToken } from './tokens.js';

/** Create the first admin when there are no users; returns the token secret, or null when users exist. Safe when processes race. */
export async function bootstrapAdmin(db: Db): Promise<string | null> {
  return db.transaction(async (q) => {
    // Serializes concurrent bootstraps; released at commit or rollback.
    await q.query("SELECT pg_advisory_xact_lock(hashtext('tspaas.bootstrap-admin'))");
    if (await countUsers(q) > 0) return null;
    const team = (await listTeams(q, null)).find((t) => t.name === 'admin') ?? await insertTeam(q, 'admin');
    const userId = await insertUser(q, 'admin@localhost', true);
    await addMembership(q, team.id, userId);
    const { token } = await issueToken(q, userId, { name: 'bootstrap', description: 'bootstrap admin token' });
    return token;
  });
}
