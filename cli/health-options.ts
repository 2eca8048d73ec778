/**
 * `--health-*` and `--no-healthcheck` of `container run`/`create` → Config.Healthcheck,
 * as the docker CLI builds it (cli/command/container/opts.go): a command runs
 * through the shell (CMD-SHELL), durations are Go-style ("10s", "1m30s") sent
 * in nanoseconds, options left out inherit the image's HEALTHCHECK.
 */
import { invalid } from '../lib/errors.js';
import { parseGoDuration } from '../lib/go-duration.js';

/** The healthcheck flags as commander hands them over. */
export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthRetries?: string;
  /** `--no-healthcheck`: Test ["NONE"], the image's check disabled. */
  healthcheck?: boolean;
}

/** Config.Healthcheck from the flags; undefined when none was given. */
export function parseHealthFlags(f: HealthFlags): Record<string, unknown> | undefined {
  const durations = {
    Interval: nanos(f.healthInterval, '--health-interval'),
    Timeout: nanos(f.healthTimeout, '--health-timeout'),
    StartPeriod: nanos(f.healthStartPeriod, '--health-start-period'),
    StartInterval: nanos(f.healthStartInterval, '--health-start-interval'),
  };
  const retries = f.healthRetries === undefined ? undefined : Number(f.healthRetries);
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0)) throw invalid(`invalid --health-retries "${f.healthRetries}": use a whole number, 0 or more`);
  const any = f.healthCmd !== undefined || retries !== undefined || Object.values(durations).some((d) => d !== undefined);
  if (f.healthcheck === false) {
    if (any) throw invalid('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  const set = Object.entries({ ...durations, Retries: retries }).filter(([, v]) => v !== undefined);
  return { ...(f.healthCmd ? { Test: ['CMD-SHELL', f.healthCmd] } : {}), ...Object.fromEntries(set) };
}

function nanos(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseGoDuration(value.trim());
  if (ms === undefined) throw invalid(`invalid ${flag} "${value}": use a duration like 10s, 1m30s or 500ms`);
  return Math.round(ms * 1e6);
}
