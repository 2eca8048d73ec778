/** Plans for test configs: the defaults, or with a small default plan for tests that run many processes. */
import { DEFAULT_BUILD_PLAN, DEFAULT_PLANS, plansOf } from '../../platform/plans.js';
import type { Plans, ProcessSize } from '../../platform/types.js';

/** The default plans; with `defaultMemoryBytes`, a `test` plan of that memory (1 CPU, weight 1024, 512 pids) is the default. */
export function testPlans(defaultMemoryBytes?: number): Plans {
  if (defaultMemoryBytes === undefined) return plansOf(DEFAULT_PLANS, 'basic', DEFAULT_BUILD_PLAN);
  const test = { name: 'test', memoryBytes: defaultMemoryBytes, cpuShares: 1024, cpus: 1, pidsLimit: 512 };
  return plansOf([test, ...DEFAULT_PLANS], 'test', DEFAULT_BUILD_PLAN);
}

/** A process size of `basic` with `memoryBytes` (as `web=1:64M` asks). */
export function memorySize(memoryBytes: number): ProcessSize {
  return { plan: 'basic', memoryBytes };
}
