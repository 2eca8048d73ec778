/**
 * Escape probes, part 1 of issue 13 ("syscalls as Docker gates them"): each
 * probe of the shared list (test/helpers/escape-probes.ts) runs in a real
 * container with the engine's defaults (or the options its `hardened` names,
 * e.g. the platform's cap drop) and must be refused; the same probe under
 * its control must succeed (probes with the same options run in turn in one
 * container, as a tenant would try them), so a refusal means the defaults hold, not that
 * the probe is broken. The platform's run of the same list inside two
 * teams' containers is test/platform/scheduler/escape-probes.test.ts.
 */
import test from 'ava';
import { startTestEngine, type TestEngine } from '../../helpers/engine.js';
import { provideStacks, seedStacks } from '../../helpers/stacks.js';
import { ESCAPE_PROBES, runProbes } from '../../helpers/escape-probes.js';

let te: TestEngine;
/** What each probe answered with the defaults, and under its control (probes with the same options share a container). */
let runs: Promise<{ hardened: string[]; control: string[] }>;

test.before(async () => {
  if (process.arch !== 'x64') throw new Error('the perl probes use x86_64 syscall numbers');
  te = await startTestEngine({ seed: seedStacks });
  const debian = (await provideStacks(te.engine)).run;
  await te.engine.ensureImage('busybox');
  runs = (async () => {
    const [hardened, control] = await Promise.all([
      runProbes(te.engine, debian, ESCAPE_PROBES, (p) => p.hardened ?? {}),
      runProbes(te.engine, debian, ESCAPE_PROBES, (p) => p.control),
    ]);
    return { hardened, control };
  })();
  runs.catch(() => undefined); // reported by each test that awaits it
});
test.after.always(() => te?.cleanup());

test('there are at least 25 probes, each naming its source', (t) => {
  t.true(ESCAPE_PROBES.length >= 25);
  for (const p of ESCAPE_PROBES) t.true(p.source.length > 0, p.name);
});

for (const [i, p] of ESCAPE_PROBES.entries()) {
  test(`refused by default: ${p.name}`, async (t) => {
    const { hardened: h, control: c } = await runs;
    const [hardened, control] = [h[i], c[i]];
    t.regex(hardened, p.refused, `hardened run answered: ${hardened}`);
    t.notRegex(hardened, /^OK$/m, 'the probe succeeded in a default container');
    t.regex(control, p.works ?? /^OK$/m, `control ${JSON.stringify(p.control)} answered: ${control}`);
  });
}
