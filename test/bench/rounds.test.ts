/** bench/rounds.ts: which subject cases make a benchmark fail. */
import test from 'ava';
import { failedCases, measure } from '../../bench/rounds.js';

test('a subject case with a failed run or no timed run fails the benchmark; peers do not count', async (t) => {
  const errors = new Map<string, string[]>();
  const samples = await measure([
    { name: 'ok', what: '', once: async () => 1 },
    { name: 'flaky', what: '', once: (() => { let n = 0; return async () => { if (n++ === 1) throw new Error('exit code 1'); return 1; }; })() },
    { name: 'down', what: '', once: async () => { throw new Error('connect ENOENT engine.sock'); } },
    { name: 'peer', what: '', once: async () => { throw new Error('podman missing'); } },
  ], { warmup: 0, iterations: 3 }, errors);
  t.deepEqual(failedCases(['ok'], samples, errors), []);
  t.deepEqual(failedCases(['ok', 'flaky', 'down'], samples, errors), [
    'flaky: 1 failed run(s), 2 timed; first failure: Error: exit code 1',
    'down: 3 failed run(s), 0 timed; first failure: Error: connect ENOENT engine.sock',
  ]);
  t.deepEqual(failedCases(['missing'], new Map(), new Map()), ['missing: 0 failed run(s), 0 timed']);
});
