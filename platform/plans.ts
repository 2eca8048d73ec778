/**
 * Plans: the process sizes the operator offers (issue 13, part 4), and the
 * sizes users ask for — a plan's name (`standard-1x`, as in Heroku's
 * app.json) or memory (`512M`: the smallest plan with at least that much,
 * run with exactly that memory) — resolved and held to what the host has.
 * Pure: the host's capacity is passed in.
 */
import { formatBytes, parseBytes } from '../lib/bytes.js';
import { invalid } from '../lib/errors.js';
import type { CreateOptions } from '../runtime/containers/types.js';
import { APP_WRITABLE_LAYER_BYTES } from './scheduler/disk.js';
import type { PlanInfo } from './api/types.js';
import type { Plan, Plans, ProcessSize } from './types.js';

const G = 1024 ** 3;

/**
 * The defaults, with Heroku's names (so an app.json's `"size": "standard-1x"`
 * works) but sizes of our own: weight doubles with each step, the CPU quota
 * stays at one core up to standard-2x.
 */
export const DEFAULT_PLANS: readonly Plan[] = Object.freeze([
  { name: 'basic', memoryBytes: G / 2, cpuShares: 512, cpus: 1, pidsLimit: 256 },
  { name: 'standard-1x', memoryBytes: G, cpuShares: 1024, cpus: 1, pidsLimit: 512 },
  { name: 'standard-2x', memoryBytes: 2 * G, cpuShares: 2048, cpus: 1, pidsLimit: 1024 },
  { name: 'performance-m', memoryBytes: 4 * G, cpuShares: 4096, cpus: 2, pidsLimit: 4096 },
  { name: 'performance-l', memoryBytes: 8 * G, cpuShares: 8192, cpus: 4, pidsLimit: 8192 },
]);
/** Default of --default-plan and --build-plan. */
export const DEFAULT_PLAN = 'basic';
export const DEFAULT_BUILD_PLAN = 'standard-2x';

const PLAN_NAME = /^[a-z][a-z0-9-]{0,29}$/;
const SPEC_KEYS = ['memory', 'cpus', 'shares', 'pids'] as const;
/** Keys a spec may leave out: `disk` (part 5; default 2 GiB, `APP_WRITABLE_LAYER_BYTES`). */
const OPTIONAL_KEYS = ['disk'] as const;

/** One `--plan` value, `name:memory=1G,cpus=1,shares=1024,pids=512[,disk=2G]` (every key but disk required). */
export function parsePlanSpec(spec: string): Plan {
  const m = /^([^:]+):(.*)$/.exec(spec.trim());
  const name = m?.[1].toLowerCase() ?? '';
  if (!m || !PLAN_NAME.test(name)) throw invalid(`invalid --plan "${spec}": use name:memory=1G,cpus=1,shares=1024,pids=512[,disk=2G]`);
  const kv = new Map(m[2].split(',').map((p) => p.split('=', 2) as [string, string | undefined]));
  const missing = SPEC_KEYS.filter((k) => !kv.get(k));
  const unknown = [...kv.keys()].filter((k) => !([...SPEC_KEYS, ...OPTIONAL_KEYS] as readonly string[]).includes(k));
  if (missing.length || unknown.length) throw invalid(`invalid --plan "${spec}": it needs exactly memory, cpus, shares and pids (disk is optional)`);
  const cpus = Number(kv.get('cpus'));
  const shares = Number(kv.get('shares'));
  const pids = Number(kv.get('pids'));
  if (!/^\d+(\.\d+)?$/.test(kv.get('cpus')!) || (cpus > 0 && cpus < 0.01)) throw invalid(`invalid --plan "${spec}": cpus is a number of cores (0 = no quota)`);
  if (!Number.isInteger(shares) || shares < 2 || shares > 262144) throw invalid(`invalid --plan "${spec}": shares is 2-262144`);
  if (!Number.isInteger(pids) || pids < 16) throw invalid(`invalid --plan "${spec}": pids is a whole number of at least 16`);
  return { name, memoryBytes: parsePlanBytes(kv.get('memory')!, 'memory'), cpuShares: shares, cpus, pidsLimit: pids, ...specDisk(spec, kv.get('disk')) };
}

/** Part 5: a spec's `disk=` (writable-layer size, written as memory is: 64M, 2G), or nothing. */
function specDisk(spec: string, text: string | undefined): Pick<Plan, 'diskBytes'> {
  if (text === undefined) return {};
  try {
    return { diskBytes: parsePlanBytes(text, 'disk') };
  } catch (err) {
    throw invalid(`invalid --plan "${spec}": ${(err as Error).message}`, err);
  }
}

/** Part 5: the writable-layer size of a plan's app and one-off containers (the plan's `disk`, else 2 GiB). */
export function planDisk(plan: Plan): number {
  return plan.diskBytes ?? APP_WRITABLE_LAYER_BYTES;
}

/** The plan table: the given plans (none = the defaults), sorted by memory; Invalid on a duplicate or an unknown default/build plan. */
export function plansOf(list: readonly Plan[], defaultName: string, buildName: string): Plans {
  const sorted = [...list].sort((a, b) => a.memoryBytes - b.memoryBytes);
  const dup = sorted.find((p, i) => sorted.findIndex((q) => q.name === p.name) !== i);
  if (dup) throw invalid(`plan ${dup.name} is defined twice`);
  const plans: Plans = { list: sorted, default: defaultName.toLowerCase(), build: buildName.toLowerCase() };
  for (const [flag, name] of [['--default-plan', plans.default], ['--build-plan', plans.build]]) {
    if (!findPlan(plans, name)) throw invalid(`${flag} ${name} is not a plan (${sorted.map((p) => p.name).join(', ')})`);
  }
  return plans;
}

/** The plan called `name` (any case, as Heroku takes `Standard-1X`). */
export function findPlan(plans: Plans, name: string): Plan | undefined {
  return plans.list.find((p) => p.name === name.toLowerCase());
}

/** The default plan's size. */
export function defaultSize(plans: Plans): ProcessSize {
  const p = findPlan(plans, plans.default)!;
  return { plan: p.name, memoryBytes: p.memoryBytes };
}

/** The builds' plan. */
export function buildPlan(plans: Plans): Plan {
  return findPlan(plans, plans.build)!;
}

/**
 * A plan's bounds as create options (issue 13, part 4): memory (swap none
 * beyond it), CPU weight, CPU quota, pids (the fork bomb guard).
 */
export function planLimits(bounds: Plan): Pick<CreateOptions, 'memory' | 'cpuShares' | 'nanoCpus' | 'pidsLimit'> {
  return {
    memory: bounds.memoryBytes,
    cpuShares: bounds.cpuShares,
    nanoCpus: bounds.cpus > 0 ? Math.round(bounds.cpus * 1e9) : undefined,
    pidsLimit: bounds.pidsLimit,
  };
}

/**
 * A size as users write it (the API, app.json): a plan's name, or memory
 * (`parsePlanBytes`: `512M`, `1.5G`) = the smallest plan with at least that
 * much, with exactly that memory. Invalid when it is neither or no plan is that large.
 */
export function resolveSize(plans: Plans, text: string): ProcessSize {
  const named = findPlan(plans, text.trim());
  if (named) return { plan: named.name, memoryBytes: named.memoryBytes };
  if (!/^\d/.test(text.trim())) throw invalid(`size ${text} is not a plan (${plans.list.map((p) => p.name).join(', ')}) nor memory like 512M`);
  const bytes = parsePlanBytes(text);
  const largest = plans.list[plans.list.length - 1];
  if (bytes > largest.memoryBytes) throw invalid(`size ${text} is larger than the largest plan (${largest.name}, ${formatBytes(largest.memoryBytes)})`);
  return { plan: plans.list.find((p) => p.memoryBytes >= bytes)!.name, memoryBytes: bytes };
}

/**
 * The bounds a size runs with: its plan's, with the size's memory. A plan
 * the operator has since removed (or a row from before plans) falls back to
 * the smallest plan with that memory, else the largest.
 */
export function boundsOf(plans: Plans, size: { plan: string | null; memoryBytes: number }): Plan {
  const plan = (size.plan ? findPlan(plans, size.plan) : undefined)
    ?? plans.list.find((p) => p.memoryBytes >= size.memoryBytes) ?? plans.list[plans.list.length - 1];
  return { ...plan, memoryBytes: size.memoryBytes };
}

/** Why `bounds` do not fit `host` (`size xl is larger than this host allows (…)`), or null when they do. */
export function misfit(label: string, bounds: Plan, host: { memoryBytes: number; cpus: number }): string | null {
  if (bounds.memoryBytes > host.memoryBytes) {
    return `size ${label} is larger than this host allows (${formatBytes(bounds.memoryBytes)} > ${formatBytes(host.memoryBytes)} available)`;
  }
  if (bounds.cpus > host.cpus) return `size ${label} is larger than this host allows (${bounds.cpus} CPUs > ${host.cpus} available)`;
  return null;
}

/** Invalid (with `misfit`'s message) when `bounds` ask for more memory or CPUs than `host` has. */
export function checkFits(label: string, bounds: Plan, host: { memoryBytes: number; cpus: number }): void {
  const why = misfit(label, bounds, host);
  if (why) throw invalid(why);
}

/** A plan as the API lists it (its disk resolved): whether it is the default or the builds' one, and whether this host can run it. */
export function describePlan(plans: Plans, p: Plan, host: { memoryBytes: number; cpus: number }): PlanInfo {
  return { ...p, diskBytes: planDisk(p), default: p.name === plans.default, build: p.name === plans.build, fits: misfit(p.name, p, host) === null };
}

/**
 * At start: Invalid when the default or the build plan does not fit `host`
 * (nothing could run); the reasons of the other plans that do not (they stay
 * listed, and are refused when asked for).
 */
export function planMisfits(plans: Plans, host: { memoryBytes: number; cpus: number }): string[] {
  for (const [flag, name] of [['--default-plan', plans.default], ['--build-plan', plans.build]]) {
    const why = misfit(name, findPlan(plans, name)!, host);
    if (why) throw invalid(`${flag}: ${why}`);
  }
  return plans.list.flatMap((p) => misfit(p.name, p, host) ?? []);
}

const MIN_PLAN_BYTES = 4 * 1024 ** 2;
const MAX_PLAN_BYTES = 1024 ** 4;

/** Bytes of a process's or a plan's memory or disk (lib/bytes.ts's rule: `512M`, `1.5G`), between 4M and 1T; Invalid otherwise. */
export function parsePlanBytes(text: string, what = 'size'): number {
  const bytes = parseBytes(text, what);
  if (bytes < MIN_PLAN_BYTES) throw invalid(`${what} ${text} is below the 4M minimum`);
  if (bytes > MAX_PLAN_BYTES) throw invalid(`${what} ${text} is above the 1T maximum`);
  return bytes;
}
