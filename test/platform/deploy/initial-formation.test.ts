/**
 * Issue 14 part P, the pure rules: which process types a first deploy runs
 * (initial-formation.ts) and how output is cut into the lines a pusher reads
 * (builds/lines.ts). The real pushes are in test/platform/e2e/process-types.test.ts.
 */
import test from 'ava';
import { outputLines, MAX_LINE } from '../../../platform/builds/lines.js';
import { parseAppJson } from '../../../platform/builds/source.js';
import { initialQuantities, initialScaleLines } from '../../../platform/deploy/initial-formation.js';
import { desiredFormation } from '../../../platform/deploy/formation.js';
import { DEFAULT_BUILD_PLAN, DEFAULT_PLAN, DEFAULT_PLANS, defaultSize, plansOf } from '../../../platform/plans.js';

const quantities = (processTypes: Record<string, string>, formation?: Record<string, { quantity?: number }>) =>
  Object.fromEntries([...initialQuantities({ processTypes, appJson: formation ? { formation } : null })].map(([k, v]) => [k, v.quantity]));

test('first deploy: web=1; no web → the first Procfile type; app.json quantities win', (t) => {
  t.deepEqual(quantities({ web: 'a', worker: 'b' }), { web: 1, worker: 0 });
  t.deepEqual(quantities({}), { web: 1 }, 'a Dockerfile image without a Procfile runs as web');
  // Heroku's node-workers-example without its web: the first type of the Procfile runs (order kept, not sorted).
  t.deepEqual(quantities({ worker: 'node worker.js', clock: 'node clock.js', release: 'x' }), { worker: 1, clock: 0 });
  t.deepEqual(quantities({ worker: 'a', clock: 'b' }, { clock: { quantity: 2 } }), { worker: 0, clock: 2 });
  t.deepEqual(quantities({ web: 'a', worker: 'b' }, { worker: { quantity: 1 } }), { web: 1, worker: 1 });
  t.deepEqual(quantities({ worker: 'a' }, { worker: { quantity: 0 } }), { worker: 0 }, 'app.json may ask for nothing');
});

test('the first deploy is the first to serve: rows from a `scale` after a failed first push win for their types, app.json decides the rest', (t) => {
  const plans = plansOf(DEFAULT_PLANS, DEFAULT_PLAN, DEFAULT_BUILD_PLAN);
  const release = { processTypes: { worker: 'a', clock: 'b' }, appJson: { formation: { clock: { quantity: 2 } } } };
  const row = { type: 'worker', quantity: 3, ...defaultSize(plans) };
  const first = desiredFormation(release, [row], plans, true);
  t.deepEqual(first.map((e) => `${e.type}=${e.quantity}`), ['clock=2', 'worker=3']);
  // Once a release served, a type without a row gets Heroku's default (web=1, others 0), not app.json's.
  t.deepEqual(desiredFormation(release, [row], plans, false).map((e) => `${e.type}=${e.quantity}`), ['clock=0', 'worker=3']);
  t.deepEqual(desiredFormation(release, [row], plans).map((e) => e.quantity), [0, 3], 'rows present: not a first deploy by default');
  const f = (type: string, quantity: number) => ({ type, quantity, plan: 'basic', memoryBytes: 1 });
  t.deepEqual(initialScaleLines({ processTypes: { worker: 'a', clock: 'b' }, appJson: null }, [f('clock', 0)]), [],
    'a worker the user scaled already is not "scaled to 1" by the deploy');
});

test('app.json quantities must be ones `tspaas scale` takes (0-100), else the build fails saying so', (t) => {
  for (const quantity of [-1, 1.5, '1', 101]) {
    t.throws(() => parseAppJson(JSON.stringify({ formation: { worker: { quantity } } })),
      { message: 'app.json "formation.worker" must be an object whose "quantity" is a whole number 0-100' }, String(quantity));
  }
  t.deepEqual(parseAppJson('{"formation": {"worker": {"quantity": 1, "size": "basic"}}}').formation, { worker: { quantity: 1, size: 'basic' } });
});

test('first deploy: the lines the pusher reads', (t) => {
  const f = (type: string, quantity: number) => ({ type, quantity, plan: 'basic', memoryBytes: 1 });
  t.deepEqual(initialScaleLines({ processTypes: { web: 'a' }, appJson: null }, [f('web', 1)]), []);
  t.deepEqual(initialScaleLines({ processTypes: { worker: 'a', clock: 'b' }, appJson: null }, [f('clock', 0), f('worker', 1)]),
    ['Scaled worker to 1: the first process type of the Procfile (there is no web process)']);
  t.deepEqual(initialScaleLines({ processTypes: { worker: 'a' }, appJson: { formation: { worker: { quantity: 1 }, cron: { quantity: 1 } } } }, [f('worker', 1)]),
    ['Scaled worker=1:basic as app.json\'s formation says', 'app.json\'s formation names cron, which this release does not declare: ignored']);
});

test('output lines: \\r and \\n end lines, empty redraws vanish, no line is longer than MAX_LINE', (t) => {
  t.deepEqual(outputLines('a\nb\n'), ['a', 'b']);
  t.deepEqual(outputLines('a\r\n\nb'), ['a', '', 'b']);
  // dpkg's progress as it reaches a pipe: one chunk, redrawn with \r.
  t.deepEqual(outputLines('(Reading database ... 5%\r(Reading database ... 100%\r(Reading database ... 6 files installed.)\n'),
    ['(Reading database ... 5%', '(Reading database ... 100%', '(Reading database ... 6 files installed.)']);
  t.deepEqual(outputLines('\r\rdone\r'), ['done']);
  const long = 'x'.repeat(MAX_LINE * 2 + 5);
  t.deepEqual(outputLines(long).map((l) => l.length), [MAX_LINE, MAX_LINE, 5]);
  t.deepEqual(outputLines(''), ['']);
});
