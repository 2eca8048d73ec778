/**
 * Issue 17, audit retention in tspaasd itself: started with
 * `--audit-retention 30`, it deletes rows older than 30 days when it starts
 * (and hourly after: platform/jobs/audit-retention.ts, whose periodic runs
 * test/platform/api/audit.test.ts shows), keeps newer ones, and logs what
 * it deleted.
 */
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPlatform } from '../helpers/platform.js';

test('tspaasd --audit-retention 30 deletes rows older than 30 days at start; newer rows stay', async (t) => {
  const platform = await startPlatform({ args: ['--audit-retention', '30'] });
  t.teardown(() => platform.stop());
  const aged = (days: number, action: string) => platform.db.query(
    'INSERT INTO audit_log (action, created_at) VALUES ($1, now() - make_interval(days => $2))', [action, days]);
  await aged(45, 'aged.45');
  await aged(20, 'aged.20');
  await platform.terminate();
  await platform.restart();
  const left = async () => (await platform.db.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'aged.%'")).rows.map((r) => r.action);
  for (let i = 0; i < 100 && (await left()).includes('aged.45'); i++) await sleep(100);
  t.deepEqual(await left(), ['aged.20']);
  t.regex(await platform.log(), /"deleted":1,"days":30.*old audit rows deleted/);
});
