/**
 * The health monitor, with Docker's semantics (moby daemon/health.go).
 *
 * While a container with a healthcheck runs (not while it is paused), one
 * monitor per container runs the check's command as an exec inside it, then
 * waits (healthcheck.ts nextProbeDelay) and probes again. A probe that
 * outlives its timeout is killed and counts as a failure (exit code -1); one
 * that cannot run at all counts the same, its error as output. Each result
 * updates `ContainerState.health` under the container's lock; a change of
 * status emits a `health_status: <status>` event. Every start (and every
 * recovery at engine start-up) begins again at `starting` with no failing
 * streak, the log kept; the monitor stops when the container exits or is
 * paused, and the last health stays on the stopped container.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { internal } from '../../lib/errors.js';
import { formatGoDuration } from '../../lib/go-duration.js';
import type { ContainerContext } from './context.js';
import { emitContainerEvent, pathsOf } from './context.js';
import { Execs, startExec } from './exec.js';
import { healthTimings, nextProbeDelay, probeCommand, type HealthTimings } from './healthcheck.js';
import type { Container, HealthResult, HealthState } from './types.js';

/** Longest probe output kept (Docker's maxOutputLen); more is cut and "..." appended. */
export const MAX_PROBE_OUTPUT = 4096;
/** Results kept in `health.log` (Docker's maxLogEntries). */
export const MAX_HEALTH_LOG = 5;
/** How long a killed probe may take to report its end before it is left behind. */
const KILL_GRACE_MS = 2000;

/** Start monitoring a running container that has a healthcheck (nothing otherwise); a monitor already running is replaced. */
export function watchHealth(ctx: ContainerContext, c: Container): void {
  unwatchHealth(ctx, c.record.id);
  const cmd = probeCommand(c.record.config);
  if (!cmd || c.state.status !== 'running') return;
  const stop = new AbortController();
  ctx.healthChecks.set(c.record.id, stop);
  void monitor(ctx, c, cmd, stop.signal);
}

/** Stop a container's monitor (exit, pause, engine close); a probe under way is killed and its result dropped. */
export function unwatchHealth(ctx: ContainerContext, id: string): void {
  ctx.healthChecks.get(id)?.abort();
  ctx.healthChecks.delete(id);
}

/** The health a container (re)starts with: `starting`, no failing streak, the earlier log kept; unchanged without a healthcheck. */
export function healthAtStart(c: Container): HealthState | undefined {
  if (!probeCommand(c.record.config)) return c.state.health;
  return { status: 'starting', failingStreak: 0, log: c.state.health?.log ?? [] };
}

/**
 * The health after one more result (daemon/health.go handleProbeResult): a
 * success makes it healthy; a failure adds to the streak (except while still
 * starting within the start period) and `retries` failures in a row make it
 * unhealthy.
 */
export function nextHealth(h: HealthState, r: HealthResult, t: HealthTimings, startedAtMs: number): HealthState {
  const log = [...h.log, r].slice(-MAX_HEALTH_LOG);
  if (r.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (h.status === 'starting' && Date.parse(r.start) - startedAtMs < t.startPeriod) return { ...h, log };
  const failingStreak = h.failingStreak + 1;
  return { status: failingStreak >= t.retries ? 'unhealthy' : h.status, failingStreak, log };
}

async function monitor(ctx: ContainerContext, c: Container, cmd: string[], signal: AbortSignal): Promise<void> {
  const t = healthTimings(c.record.config.Healthcheck ?? {});
  const startedAt = Date.parse(c.state.startedAt);
  for (;;) {
    const wait = nextProbeDelay(t, Date.now() - startedAt, c.state.health?.status === 'starting');
    if (!(await sleep(wait, signal))) return;
    const result = await runProbe(ctx, c, cmd, t.timeout, signal);
    if (signal.aborted) return;
    await ctx.locks.run(c.record.id, () => recordResult(ctx, c, result, t, signal)).catch((err: unknown) => {
      emitContainerEvent(ctx, c, 'health-check-failed', { error: `recording the result failed: ${(err as Error).message}` });
    });
  }
}

/** Save a probe's result unless the monitor was stopped meanwhile; caller holds the lock. */
async function recordResult(ctx: ContainerContext, c: Container, r: HealthResult, t: HealthTimings, signal: AbortSignal): Promise<void> {
  const before = c.state.health;
  if (signal.aborted || !before || c.state.status !== 'running') return;
  const health = nextHealth(before, r, t, Date.parse(c.state.startedAt));
  await ctx.store.saveState(c.record.id, { ...c.state, health });
  if (health.status !== before.status) emitContainerEvent(ctx, c, `health_status: ${health.status}`);
}

/** One probe: exec the command, capture its output, kill it at the timeout. Never throws: a probe that cannot run is a failed result. */
async function runProbe(ctx: ContainerContext, c: Container, cmd: string[], timeoutMs: number, signal: AbortSignal): Promise<HealthResult> {
  const start = new Date();
  const out = new LimitedOutput();
  const done = (exitCode: number, output: string): HealthResult => ({ start: start.toISOString(), end: new Date().toISOString(), exitCode, output });
  try {
    const { exitCode, timedOut } = await execProbe(ctx, c, cmd, out, timeoutMs, signal);
    if (!timedOut) return done(exitCode, out.text());
    const text = out.text();
    return done(-1, `Health check exceeded timeout (${formatGoDuration(timeoutMs)})${text ? `: ${text}` : ''}`);
  } catch (err) {
    return done(-1, (err as Error).message);
  }
}

/** Run the probe's exec (as the container's user, in its working dir and env: the container's process settings). */
async function execProbe(
  ctx: ContainerContext, c: Container, cmd: string[], out: LimitedOutput, timeoutMs: number, signal: AbortSignal,
): Promise<{ exitCode: number; timedOut: boolean }> {
  const execs = new Execs(); // the probe's session is its own: not listed among the container's execs, forgotten after
  const s = execs.get(await execs.create(ctx, c, { cmd, attachStdout: true, attachStderr: true }, pathsOf(ctx, c.record.id).execs));
  const att = await startExec(ctx, c, s, false);
  if (!att) throw internal('the health check exec has no output');
  att.onOutput((_stream, data) => out.write(data));
  const ended = new Promise<'ended'>((resolve) => att.onEnd(() => resolve('ended')));
  const timeout = new AbortController();
  const outcome = await Promise.race([
    ended,
    delay(timeoutMs, 'timeout' as const, { signal: AbortSignal.any([signal, timeout.signal]), ref: false }).catch(() => 'stopped' as const),
  ]);
  timeout.abort();
  if (outcome === 'ended') return { exitCode: s.exitCode ?? -1, timedOut: false };
  killProbe(s.pid, s.running);
  if ((await Promise.race([ended, delay(KILL_GRACE_MS, 'late' as const, { ref: false })])) === 'late') att.detach();
  return { exitCode: -1, timedOut: outcome === 'timeout' };
}

function killProbe(pid: number, running: boolean): void {
  if (!running || pid <= 0) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It ended between the timeout and the kill: nothing to do.
  }
}

/** Resolves true after `ms`, false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return delay(ms, true, { signal, ref: false }).catch(() => false);
}

/** stdout and stderr as one text, at most MAX_PROBE_OUTPUT bytes, "..." appended when more came (Docker's limitedBuffer). */
class LimitedOutput {
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;

  write(data: Buffer): void {
    const keep = Math.min(MAX_PROBE_OUTPUT - this.size, data.length);
    if (keep > 0) {
      this.chunks.push(data.subarray(0, keep));
      this.size += keep;
    }
    if (keep < data.length) this.truncated = true;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8') + (this.truncated ? '...' : '');
  }
}
