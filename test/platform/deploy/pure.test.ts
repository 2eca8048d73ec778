/**
 * The deploy's pure parts: release changes and their descriptions, formation
 * defaults and sizes, reconcile plans, the order of the pipeline's steps, and
 * the default health check's waits.
 */
import test from 'ava';
import { desiredFormation, processTypesOf } from '../../../platform/deploy/formation.js';
import { parsePlanBytes } from '../../../platform/plans.js';
import { nextRelease, applyConfig } from '../../../platform/deploy/release-change.js';
import { DEPLOY_STEPS, slotsOf } from '../../../platform/deploy/pipeline.js';
import { planType } from '../../../platform/deploy/reconcile.js';
import { rampingWaits } from '../../../platform/deploy/health.js';
import type { Build, ProcessInfo, Release } from '../../../platform/types.js';
import { testPlans } from '../../helpers/plans.js';

const MB = 1024 * 1024;
const release = (over: Partial<Release> = {}): Release => ({
  id: 'r3', appId: 'a', version: 3, buildId: 'b3', image: 'img:3', config: { A: '1', B: '2' }, processTypes: { web: 'w', release: 'migrate' },
  appJson: null, description: '', userId: null, userEmail: null, status: 'succeeded', error: null, createdAt: '', finishedAt: null, ...over,
});
const build: Build = {
  id: 'b4', appId: 'a', userId: null, status: 'succeeded', source: '1a2b3c4d5e6f', builder: 'buildpacks', image: 'img:4',
  processTypes: { web: 'node server.js', worker: 'node worker.js' }, appJson: { formation: { worker: { quantity: 2 } } }, error: null, createdAt: '', finishedAt: null,
};

test('a build release takes the build\'s image, types and app.json, and the latest config', (t) => {
  const r = nextRelease('a', release(), { kind: 'build', build }, 'u');
  t.like(r, { image: 'img:4', buildId: 'b4', config: { A: '1', B: '2' }, processTypes: build.processTypes, description: 'Deploy 1a2b3c4', userId: 'u' });
  t.deepEqual(r.appJson, build.appJson);
});

test('config releases set and unset, keep the image, and say what changed', (t) => {
  t.like(nextRelease('a', release(), { kind: 'config', set: { C: '3', A: 'x' }, unset: [] }, null),
    { image: 'img:3', config: { A: 'x', B: '2', C: '3' }, description: 'Set C, A config vars' });
  t.like(nextRelease('a', release(), { kind: 'config', set: {}, unset: ['B'] }, null), { config: { A: '1' }, description: 'Unset B config vars' });
  t.like(nextRelease('a', null, { kind: 'config', set: { X: '1' }, unset: [] }, null), { image: null, config: { X: '1' } });
  t.throws(() => applyConfig({}, { 'BAD-NAME': '1' }, []), { message: /BAD-NAME/ });
  t.throws(() => applyConfig({}, {}, []), { message: /no config vars/ });
});

test('a rollback copies image, config and types of the old release', (t) => {
  const old = release({ version: 1, image: 'img:1', config: { OLD: 'y' }, processTypes: { web: 'old' } });
  t.like(nextRelease('a', release(), { kind: 'rollback', to: old }, null),
    { image: 'img:1', config: { OLD: 'y' }, processTypes: { web: 'old' }, description: 'Rollback to v1' });
  t.throws(() => nextRelease('a', release(), { kind: 'rollback', to: release({ image: null }) }, null), { message: /no image/ });
  t.throws(() => nextRelease('a', release(), { kind: 'rollback', to: release({ appId: 'b' }) }, null), { message: /another app/ });
});

test('formation: rows win, then (first deploy) app.json, then web=1 and others 0; release is never a process', (t) => {
  t.deepEqual(processTypesOf(release()), ['web']);
  t.deepEqual(processTypesOf(release({ processTypes: {} })), ['web'], 'an image without types runs its command as web');
  const plans = testPlans(64 * MB);
  const r = release({ processTypes: build.processTypes, appJson: { formation: { worker: { quantity: 2, size: '256M' } } } });
  // Memory alone: the smallest plan with at least that much (basic, 512M), run with exactly that memory.
  t.deepEqual(desiredFormation(r, [], plans), [
    { type: 'web', quantity: 1, plan: 'test', memoryBytes: 64 * MB }, { type: 'worker', quantity: 2, plan: 'basic', memoryBytes: 256 * MB }]);
  // Heroku's app.json names plans, in any case.
  const named = release({ processTypes: build.processTypes, appJson: { formation: { worker: { quantity: 1, size: 'Standard-2X' } } } });
  t.like(desiredFormation(named, [], plans)[1], { plan: 'standard-2x', memoryBytes: 2048 * MB });
  t.throws(() => desiredFormation(release({ appJson: { formation: { web: { size: 'huge' } } } }), [], plans), { message: /size huge is not a plan \(test, basic, / });
  // A row from before plans (plan NULL) gets the plan its memory fits; app.json counts on the first deploy only (no rows yet), like Heroku's.
  t.deepEqual(desiredFormation(r, [{ type: 'web', quantity: 4, plan: null, memoryBytes: 512 * MB }, { type: 'gone', quantity: 1, plan: null, memoryBytes: 64 * MB }], plans)
    .map((f) => [f.type, f.quantity, f.plan]), [['web', 4, 'basic'], ['worker', 0, 'test']]);
  t.deepEqual(slotsOf([{ type: 'web', quantity: 2, plan: 'test', memoryBytes: 1 }]).map((s) => `${s.type}.${s.index}`), ['web.1', 'web.2']);
});

test('sizes', (t) => {
  t.is(parsePlanBytes('512M'), 512 * MB);
  t.is(parsePlanBytes('1g'), 1024 * MB);
  t.is(parsePlanBytes('1.5GB'), 1536 * MB);
  t.is(parsePlanBytes('8388608'), 8 * MB);
  t.throws(() => parsePlanBytes('1M'), { message: /4M minimum/ });
  t.throws(() => parsePlanBytes('lots'), { message: /invalid size/ });
  t.throws(() => parsePlanBytes('2T'), { message: /1T maximum/ });
});

test('reconcile plan: broken replaced with a restart counted, extras highest first, missing lowest first, kept ones of another size resized', (t) => {
  const p = (index: number, state: ProcessInfo['state'], restarts = 0, memoryBytes: number | null = 1, plan: string | null = 'basic') =>
    ({ name: `web.${index}`, type: 'web', index, state, restarts, containerId: `c${index}`, memoryBytes, plan }) as ProcessInfo;
  const f = (quantity: number, memoryBytes: number, plan = 'basic') => ({ type: 'web', quantity, plan, memoryBytes });
  const plan = planType(f(3, 1), [p(1, 'up'), p(2, 'crashed', 2), p(5, 'up'), p(4, 'up')]);
  t.deepEqual(plan.stop.map((x) => x.containerId), ['c2', 'c5', 'c4']);
  t.deepEqual(plan.start.map((s) => [s.index, s.restarts]), [[2, 3], [3, 0]]);
  t.deepEqual(plan.resize, []);
  t.deepEqual(planType(f(0, 1), [p(1, 'up')]).stop.map((x) => x.index), [1]);
  // Only kept, running processes are resized: the extra and the crashed one go anyway.
  const sized = planType(f(2, 2), [p(1, 'up'), p(2, 'crashed', 0, 1), p(3, 'up', 0, 1), p(4, 'up', 0, null)]);
  t.deepEqual(sized.resize.map((x) => x.containerId), ['c1']);
  t.deepEqual(sized.start.map((s) => [s.index, s.memoryBytes]), [[2, 2]]);
  t.deepEqual(planType(f(1, 2), [p(1, 'up', 0, null)]).resize.map((x) => x.index), [1]);
  // Same memory, another plan (CPU and pids differ): resized too; so is a container from before plans.
  t.deepEqual(planType(f(2, 1, 'standard-1x'), [p(1, 'up'), p(2, 'up', 0, 1, null)]).resize.map((x) => x.index), [1, 2]);
  t.deepEqual(planType(f(1, 1), [p(1, 'up')]).resize, []);
});

test('the pipeline runs its steps in this order', (t) => {
  t.deepEqual(DEPLOY_STEPS.map((s) => s.name),
    ['mark deploying', 'check quotas', 'release phase', 'plan formation', 'start processes', 'switch routes', 'drain', 'stop old processes']);
});

test('the default health check tries quickly first, then every interval, for attempts × interval in all', (t) => {
  const waits = rampingWaits(30, 500);
  t.deepEqual(waits.slice(0, 6), [25, 50, 100, 200, 400, 500]);
  t.is(waits.reduce((a, b) => a + b, 0), 29 * 500);
  t.deepEqual(rampingWaits(1, 500), [], 'one attempt: no wait');
  t.deepEqual(rampingWaits(3, 50), [25, 50, 25]);
  t.deepEqual(rampingWaits(3, 10), [10, 10], 'an interval under the first wait is kept');
});
