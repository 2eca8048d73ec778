/**
 * Healthcheck rules without containers: create's validation (dockerd's
 * messages, from moby integration/container/create_test.go
 * TestCreateWithInvalidHealthcheckParams), the merge with the image's
 * HEALTHCHECK (moby daemon/commit.go merge), the probe timings and the
 * state machine (moby daemon/health.go). The probing itself runs against a
 * real engine in test/runtime/api/health-e2e.test.ts.
 */
import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import {
  healthTimings, mergeHealthcheck, nextProbeDelay, probeCommand, validateHealthcheck,
} from '../../../runtime/containers/healthcheck.js';
import { healthAtStart, nextHealth } from '../../../runtime/containers/health.js';
import type { Container, HealthResult, HealthState } from '../../../runtime/containers/types.js';

const S = 1e9;

test('create refuses what dockerd refuses, with its messages', (t) => {
  const refused = (h: Parameters<typeof validateHealthcheck>[0], message: string) => {
    const err = t.throws(() => validateHealthcheck(h));
    t.true(isKind(err, 'Invalid'));
    t.is(err?.message, message);
  };
  refused({ Interval: -10e6, Timeout: S, Retries: 1000 }, 'Interval in Healthcheck cannot be less than 1ms');
  refused({ Interval: 500e3, Timeout: S }, 'Interval in Healthcheck cannot be less than 1ms');
  refused({ Interval: S, Timeout: -100e6 }, 'Timeout in Healthcheck cannot be less than 1ms');
  refused({ Interval: S, Timeout: S, Retries: -1 }, 'Retries in Healthcheck cannot be negative');
  refused({ StartPeriod: 100e3 }, 'StartPeriod in Healthcheck cannot be less than 1ms');
  refused({ StartInterval: -1 }, 'StartInterval in Healthcheck cannot be less than 1ms');
  refused({ Interval: 1.5 }, 'Interval in Healthcheck must be an integer number of nanoseconds');
  refused({ Test: ['HTTP', 'http://localhost/'] }, 'unknown Healthcheck test type "HTTP" (expected NONE, CMD or CMD-SHELL)');
  refused({ Test: ['CMD'] }, 'Healthcheck test CMD needs a command');
  t.notThrows(() => validateHealthcheck({ Test: ['NONE'] }));
  t.notThrows(() => validateHealthcheck({ Test: [], Interval: 0, Timeout: 1e6, Retries: 0 }));
  t.notThrows(() => validateHealthcheck(undefined));
});

test('the container inherits each field it leaves empty from the image, and NONE disables', (t) => {
  const image = { Test: ['CMD-SHELL', 'curl -f localhost'], Interval: 30 * S, Timeout: 3 * S, Retries: 2 };
  t.deepEqual(mergeHealthcheck(undefined, image), image);
  t.deepEqual(mergeHealthcheck({ Interval: S }, image), { Test: ['CMD-SHELL', 'curl -f localhost'], Interval: S, Timeout: 3 * S, Retries: 2 });
  t.deepEqual(mergeHealthcheck({ Test: ['CMD', 'true'], Retries: 0 }, image), { Test: ['CMD', 'true'], Interval: 30 * S, Timeout: 3 * S, Retries: 2 });
  const none = mergeHealthcheck({ Test: ['NONE'] }, image);
  t.deepEqual(none?.Test, ['NONE']);
  t.is(probeCommand({ Healthcheck: none }), null);
  t.deepEqual(mergeHealthcheck({ Test: ['CMD', 'true'] }, undefined), { Test: ['CMD', 'true'] });
  t.is(mergeHealthcheck(undefined, undefined), undefined);
});

test('the probe command: CMD as is, CMD-SHELL through the image SHELL or /bin/sh -c', (t) => {
  t.deepEqual(probeCommand({ Healthcheck: { Test: ['CMD', 'cat', '/ok'] } }), ['cat', '/ok']);
  t.deepEqual(probeCommand({ Healthcheck: { Test: ['CMD-SHELL', 'test -f /ok'] } }), ['/bin/sh', '-c', 'test -f /ok']);
  t.deepEqual(probeCommand({ Shell: ['/bin/ash', '-eo', 'pipefail', '-c'], Healthcheck: { Test: ['CMD-SHELL', 'true'] } }), ['/bin/ash', '-eo', 'pipefail', '-c', 'true']);
  t.is(probeCommand({}), null);
  t.is(probeCommand({ Healthcheck: { Test: ['NONE'] } }), null);
});

test("timings take Docker's defaults, and the start period shapes the next delay", (t) => {
  t.deepEqual(healthTimings({}), { interval: 30_000, timeout: 30_000, startPeriod: 0, startInterval: 5_000, retries: 3 });
  const tm = healthTimings({ Interval: 10 * S, StartPeriod: 60 * S, StartInterval: 2 * S, Retries: 1 });
  t.is(tm.retries, 1);
  t.is(nextProbeDelay(tm, 0, true), 2_000, 'starting within the start period: the start interval');
  t.is(nextProbeDelay(tm, 0, false), 10_000, 'healthy within the start period: the interval');
  t.is(nextProbeDelay(tm, 55_000, true), 5_000, 'less of the start period left than an interval: what is left');
  t.is(nextProbeDelay(tm, 61_000, true), 10_000, 'after the start period: the interval');
});

const at = (sec: number, exitCode: number): HealthResult => ({ start: new Date(sec * 1000).toISOString(), end: new Date(sec * 1000 + 5).toISOString(), exitCode, output: '' });

test('results: a success is healthy, retries failures in a row unhealthy, start-period failures do not count while starting', (t) => {
  const tm = healthTimings({ Retries: 2, StartPeriod: 10 * S });
  let h: HealthState = { status: 'starting', failingStreak: 0, log: [] };
  h = nextHealth(h, at(5, 1), tm, 0);
  t.deepEqual([h.status, h.failingStreak], ['starting', 0], 'within the start period');
  h = nextHealth(h, at(11, 1), tm, 0);
  t.deepEqual([h.status, h.failingStreak], ['starting', 1]);
  h = nextHealth(h, at(12, 0), tm, 0);
  t.deepEqual([h.status, h.failingStreak], ['healthy', 0]);
  h = nextHealth(h, at(13, 1), tm, 0);
  t.deepEqual([h.status, h.failingStreak], ['healthy', 1]);
  h = nextHealth(h, at(14, -1), tm, 0);
  t.deepEqual([h.status, h.failingStreak], ['unhealthy', 2]);
  for (let i = 15; i < 20; i++) h = nextHealth(h, at(i, 0), tm, 0);
  t.is(h.log.length, 5, 'only the last 5 results are kept');
  t.is(h.log[0]!.start, at(15, 0).start);
  t.is(h.status, 'healthy');
});

test('a (re)start begins at starting with no streak and keeps the log; no healthcheck, no health', (t) => {
  const log = [at(1, 1)];
  const c = (hc: object | undefined, health?: HealthState) => ({ record: { config: { Healthcheck: hc } }, state: { health } }) as unknown as Container;
  t.deepEqual(healthAtStart(c({ Test: ['CMD', 'true'] }, { status: 'unhealthy', failingStreak: 4, log })), { status: 'starting', failingStreak: 0, log });
  t.is(healthAtStart(c(undefined)), undefined);
  t.is(healthAtStart(c({ Test: ['NONE'] })), undefined);
});
