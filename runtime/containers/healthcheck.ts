/**
 * A container's healthcheck configuration, with Docker's rules (moby
 * daemon/container.go validateHealthCheck, daemon/commit.go merge,
 * daemon/health.go defaults): what create accepts, how it inherits the
 * image's HEALTHCHECK, and what the monitor (health.ts) runs and how often.
 */
import { invalid } from '../../lib/errors.js';
import type { ContainerConfig, HealthConfig } from '../images/types.js';

const MS = 1_000_000; // nanoseconds

/** Docker's defaults (daemon/health.go), in milliseconds. */
export const HEALTH_DEFAULTS = { interval: 30_000, timeout: 30_000, startPeriod: 0, startInterval: 5_000, retries: 3 } as const;

/** How often and how long the monitor probes, in milliseconds, defaults applied. */
export interface HealthTimings {
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

const DURATIONS = ['Interval', 'Timeout', 'StartPeriod', 'StartInterval'] as const;
const TEST_TYPES = ['NONE', 'CMD', 'CMD-SHELL'];

/**
 * Refuse what dockerd refuses (its messages: "Interval in Healthcheck cannot
 * be less than 1ms", "Retries in Healthcheck cannot be negative"), and, more
 * strictly than dockerd (which would silently never probe), a Test of an
 * unknown type or without a command.
 */
export function validateHealthcheck(h: HealthConfig | undefined): void {
  if (!h) return;
  for (const field of DURATIONS) {
    const v = h[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${field} in Healthcheck must be an integer number of nanoseconds`);
    if (v !== 0 && v < MS) throw invalid(`${field} in Healthcheck cannot be less than 1ms`);
  }
  if (h.Retries !== undefined && (typeof h.Retries !== 'number' || !Number.isInteger(h.Retries))) throw invalid('Retries in Healthcheck must be an integer');
  if ((h.Retries ?? 0) < 0) throw invalid('Retries in Healthcheck cannot be negative');
  validateTest(h.Test);
}

function validateTest(test: string[] | undefined): void {
  if (test === undefined || test.length === 0) return; // inherits the image's
  if (!Array.isArray(test) || test.some((w) => typeof w !== 'string')) throw invalid('Test in Healthcheck must be a list of strings');
  if (!TEST_TYPES.includes(test[0])) throw invalid(`unknown Healthcheck test type "${test[0]}" (expected NONE, CMD or CMD-SHELL)`);
  if (test[0] !== 'NONE' && test.length < 2) throw invalid(`Healthcheck test ${test[0]} needs a command`);
}

/** The container's healthcheck: the user's, each field left empty or 0 taken from the image's (dockerd's merge). */
export function mergeHealthcheck(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!image) return user;
  if (!user) return image;
  const pick = <K extends keyof HealthConfig>(k: K) => (user[k] ? user[k] : image[k]);
  const merged: HealthConfig = {
    Test: user.Test?.length ? user.Test : image.Test,
    Interval: pick('Interval'), Timeout: pick('Timeout'), StartPeriod: pick('StartPeriod'),
    StartInterval: pick('StartInterval'), Retries: pick('Retries'),
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as HealthConfig;
}

/** The command a probe runs: CMD's arguments, or CMD-SHELL's through the image's SHELL (default /bin/sh -c); null when there is no check. */
export function probeCommand(cfg: ContainerConfig): string[] | null {
  const test = cfg.Healthcheck?.Test;
  if (!test || test.length < 2) return null;
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return [...(cfg.Shell?.length ? cfg.Shell : ['/bin/sh', '-c']), ...test.slice(1)];
  return null;
}

/** The monitor's timings for a healthcheck, Docker's defaults for what is 0 or absent. */
export function healthTimings(h: HealthConfig): HealthTimings {
  const ms = (ns: number | undefined, dflt: number) => (ns ? ns / MS : dflt);
  return {
    interval: ms(h.Interval, HEALTH_DEFAULTS.interval),
    timeout: ms(h.Timeout, HEALTH_DEFAULTS.timeout),
    startPeriod: ms(h.StartPeriod, HEALTH_DEFAULTS.startPeriod),
    startInterval: ms(h.StartInterval, HEALTH_DEFAULTS.startInterval),
    retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
  };
}

/**
 * Time until the next probe (daemon/health.go getInterval): the interval
 * once the start period is over; within it, what remains of it if that is
 * shorter than the interval, else the start interval while still `starting`.
 */
export function nextProbeDelay(t: HealthTimings, elapsedSinceStart: number, starting: boolean): number {
  if (elapsedSinceStart >= t.startPeriod) return t.interval;
  const remaining = t.startPeriod - elapsedSinceStart;
  if (remaining < t.interval) return remaining;
  return starting ? t.startInterval : t.interval;
}
