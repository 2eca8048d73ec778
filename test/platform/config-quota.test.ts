/**
 * Issue 17, part 1: tspaasd's `--team-quota KEY=VALUE` (and TSPAAS_TEAM_QUOTA),
 * the quotas new teams get; none given = none (unlimited), as before.
 */
import test from 'ava';
import { parseDaemonArgs } from '../../platform/config.js';
import { NO_LIMITS } from '../../platform/store/quotas.js';

const platform = (argv: string[], env: Record<string, string> = {}) => {
  const cmd = parseDaemonArgs(argv, env, '1.2.3');
  if (cmd.kind !== 'run') throw new Error(`expected run, got ${cmd.kind}`);
  return cmd.config.platform;
};

test('no flag, no environment: new teams get no quota', (t) => {
  t.is(platform([]).teamQuota, undefined);
});

test('--team-quota items (repeatable) read as the CLI reads them; the environment when no flag is given', (t) => {
  const q = platform(['--team-quota', 'apps=10', '--team-quota', 'memory=1.5G', '--team-quota', 'cpu=2.5', '--team-quota', 'plans=Basic,standard-1x',
    '--team-quota', 'build-minutes=120', '--team-quota', 'disk=20G', '--team-quota', 'domains=none']).teamQuota;
  t.deepEqual(q, { ...NO_LIMITS, apps: 10, memoryBytes: 1.5 * 1024 ** 3, cpus: 2.5, plans: ['basic', 'standard-1x'], buildMinutes: 120, diskBytes: 20 * 1024 ** 3 });
  t.true(Object.isFrozen(q));
  t.deepEqual(platform([], { TSPAAS_TEAM_QUOTA: 'processes=20  builds=2' }).teamQuota, { ...NO_LIMITS, processes: 20, builds: 2 });
  t.deepEqual(platform(['--team-quota', 'apps=1'], { TSPAAS_TEAM_QUOTA: 'processes=20' }).teamQuota, { ...NO_LIMITS, apps: 1 }, 'the flag wins');
});

test('bad items are refused with the key and what it takes', (t) => {
  t.throws(() => platform(['--team-quota', 'widgets=3']), { message: /invalid team quota "widgets=3": use KEY=VALUE with KEY one of apps, processes, memory, cpu, plans, build-minutes, builds, disk, domains/ });
  t.throws(() => platform(['--team-quota', 'apps=-1']), { message: /invalid apps quota "-1": a whole number, or none/ });
  t.throws(() => platform(['--team-quota', 'cpu=lots']), { message: /invalid cpu quota "lots": a number of cores like 2 or 1.5, or none/ });
  t.throws(() => platform(['--team-quota', 'memory=big']), { message: /invalid memory quota "big"/ });
  t.throws(() => platform(['--team-quota', 'plans=giant']), { message: 'invalid --team-quota plans: no plan giant (plans: basic, standard-1x, standard-2x, performance-m, performance-l)' });
});
