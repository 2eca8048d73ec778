/**
 * /v1/status counts the jobs of every team (the bull queues in the suite's
 * real Redis): admins see it, a team user gets 403 and no figure.
 */
import test from 'ava';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createJobs } from '../../../platform/jobs/index.js';
import type { Jobs } from '../../../platform/types.js';
import { startApi, type TestApi } from './harness.js';

let api: TestApi;
let jobs: Jobs;
let user: { token: string };

test.before(async () => {
  if (!process.env.REDIS_URL) throw new Error('REDIS_URL is not set: source scripts/services.sh first');
  const never = () => new Promise<void>(() => undefined);
  jobs = await createJobs({
    redisUrl: process.env.REDIS_URL, prefix: `tstatus-${randomBytes(4).toString('hex')}`, log: pino({ level: 'silent' }),
    processors: { build: never, deploy: never, reconcile: never, erase: never },
  });
  api = await startApi('api_status', { jobs });
  user = await api.tenant('status-team');
  // Another team's work in the queue: a build nobody in status-team started.
  await jobs.enqueueBuild(randomUUID());
});
test.after.always(async () => {
  await api?.close();
  await jobs?.close();
});

test('an admin sees the version and the job counts of the whole platform', async (t) => {
  const reply = await api.call('GET', '/v1/status');
  t.is(reply.status, 200);
  const body = reply.body as { version: string; jobs: Record<string, Record<string, number>> };
  t.is(body.version, '9.9.9-test');
  t.deepEqual(Object.keys(body.jobs).sort(), ['build', 'deploy', 'erase', 'reconcile']);
  const build = body.jobs.build;
  t.is(build.waiting + build.active, 1, 'the other team\'s build is counted');
});

test('a team user gets 403 with a reason and no figure', async (t) => {
  const reply = await api.call('GET', '/v1/status', { token: user.token });
  t.is(reply.status, 403);
  t.deepEqual(reply.body, { error: { kind: 'Forbidden', message: 'only admins may see the platform status (it counts the jobs of every team)' } });
  t.false(reply.text.includes('"jobs"'));
});
