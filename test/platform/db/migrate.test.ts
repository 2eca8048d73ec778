import test from 'ava';
import { listMigrations, migrate } from '../../../platform/db/migrate.js';
import { createTestDatabase } from '../../helpers/postgres.js';

test('migrations apply once, in order, recorded in schema_migrations, even when run concurrently', async (t) => {
  const db = await createTestDatabase('tspaas_migrate', undefined, { migrate: false });
  t.teardown(() => db.drop());
  const all = (await listMigrations()).map((m) => m.version);
  t.true(all.length >= 1);
  const runs = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url)]);
  t.deepEqual(runs.flat().sort(), all, 'every migration applied exactly once over the three runs');
  t.deepEqual(await migrate(db.url), [], 'nothing left to do');
  const rows = (await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).rows;
  t.deepEqual(rows.map((r) => r.version), all);
  const tables = (await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'router_%' ORDER BY 1")).rows.map((r) => r.table_name);
  t.deepEqual(tables, ['router_backends', 'router_certificates', 'router_hosts', 'router_instances', 'router_routes']);
});

test('the route table refuses malformed hosts and backends', async (t) => {
  const db = await createTestDatabase('tspaas_migrate');
  t.teardown(() => db.drop());
  await db.query("INSERT INTO router_routes (app) VALUES ('web')");
  await t.throwsAsync(db.query("INSERT INTO router_hosts (host, app) VALUES ('Bad Host', 'web')"));
  await t.throwsAsync(db.query("INSERT INTO router_hosts (host, app) VALUES ('a.*.com', 'web')"));
  await t.throwsAsync(db.query("INSERT INTO router_backends (app, address, port) VALUES ('web', '10.0.0.0/8', 80)"));
  await t.throwsAsync(db.query("INSERT INTO router_backends (app, address, port) VALUES ('web', '10.0.0.1', 0)"));
  await db.query("INSERT INTO router_hosts (host, app) VALUES ('*.example.com', 'web')");
  await db.query("INSERT INTO router_backends (app, address, port) VALUES ('web', 'fd00::1', 80)");
  t.pass();
});
