/**
 * Waiting for the platform's work with the user watching: a release's deploy
 * (its event stream, GET …/releases/:version/events), and processes reaching
 * a wanted state after `scale` or `ps:restart` (polled, since those make no
 * release). Humans see lines on stderr and, on a terminal, a status line
 * with the elapsed time; with --json nothing but the command's result is
 * printed.
 */
import type { AppInfo, PlatformEvent, ProcessInfo, Release } from '../../../platform/api/types.js';
import type { CliContext } from '../../context.js';
import { PlatformError, type PlatformClient } from '../../platform-client.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A status line redrawn in place on a terminal (nothing elsewhere); `line` prints above it. */
export function statusLine(ctx: CliContext, label: string): { line(text: string): void; done(text: string): void } {
  const err = ctx.io.stderr;
  const live = !ctx.json && !!err.isTTY;
  const started = Date.now();
  let frame = 0;
  const draw = () => err.write(`\r\x1b[K${SPINNER[frame++ % SPINNER.length]} ${label} ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const timer = live ? setInterval(draw, 100) : undefined;
  return {
    line(text) {
      if (ctx.json) return;
      err.write(live ? `\r\x1b[K${text}\n` : `${text}\n`);
      if (live) draw();
    },
    done(text) {
      clearInterval(timer);
      if (live) err.write('\r\x1b[K');
      if (!ctx.json) err.write(`${text} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    },
  };
}

/**
 * Follow the deploy of `release` until it ends and return the release as it
 * ended; a failed deploy throws with its reason. A release without an image
 * (config set before the first push) is not deployed: returned at once.
 */
export async function followDeploy(ctx: CliContext, api: PlatformClient, base: string, release: Release): Promise<Release> {
  if (!release.image) return release;
  const status = statusLine(ctx, `Deploying v${release.version}…`);
  let outcome: Extract<PlatformEvent, { kind: 'deploy-done' }> | undefined;
  try {
    for await (const e of api.ndjson<PlatformEvent>(`${base}/releases/${release.version}/events`)) {
      if (e.kind === 'deploy') status.line(`       ${e.line}`);
      else if (e.kind === 'deploy-done') outcome = e;
    }
  } finally {
    status.done(outcome ? `v${release.version}: deploy ${outcome.status}` : `v${release.version}: event stream ended`);
  }
  const ended = await api.json<Release>('GET', `${base}/releases/${release.version}`);
  if (ended.status === 'failed') throw deployFailed(ended, (await api.json<AppInfo>('GET', base)).currentVersion);
  return ended;
}

/** Issue 14 part P: the hint names what still runs, and never a previous release when there is none. */
function deployFailed(r: Release, current: number | null): PlatformError {
  const running = current === null ? 'no release was running before, so the app runs nothing yet' : `v${current} keeps running`;
  return new PlatformError('Conflict', `the deploy of v${r.version} failed: ${r.error ?? 'no reason recorded'}`,
    `${running}; see \`tspaas releases:info v${r.version}\` and \`tspaas logs\``);
}

/**
 * Poll the app's processes until `done` says so, printing each process's
 * state changes; `Unavailable` after `timeoutMs`.
 */
export async function waitForProcesses(ctx: CliContext, api: PlatformClient, base: string, label: string,
  done: (ps: ProcessInfo[]) => boolean, timeoutMs = 180_000): Promise<ProcessInfo[]> {
  const status = statusLine(ctx, label);
  const seen = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ps = await api.json<ProcessInfo[]>('GET', `${base}/processes`);
    for (const p of ps) {
      const key = `${p.name} ${p.containerId}`;
      if (seen.get(key) !== p.state) status.line(`       ${p.name}: ${p.state} (v${p.releaseVersion})`);
      seen.set(key, p.state);
    }
    if (done(ps)) {
      status.done('done');
      return ps;
    }
    if (Date.now() > deadline) {
      status.done('still waiting');
      throw new PlatformError('Unavailable', `${label} not done within ${timeoutMs / 1000}s`, 'see `tspaas ps` and `tspaas logs`');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
