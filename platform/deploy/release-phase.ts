/**
 * The release phase: the release's `release` command in a one-off container
 * of the new release, before any process starts (migrations and the like).
 * Its output goes to the deploy log; a non-zero exit fails the deploy with
 * its last lines.
 */
import { invalid } from '../../lib/errors.js';
import type { App, PlatformDeps, Release } from '../types.js';
import { RELEASE_PHASE } from './formation.js';
import { FAILURE_LOG_LINES } from './processes.js';

/** A release phase that runs longer than this is stopped and fails the deploy. */
const RELEASE_PHASE_TIMEOUT_MS = 15 * 60_000;

/** Run the release phase, when the release has one. */
export async function runReleasePhase(deps: PlatformDeps, app: App, release: Release, say: (line: string) => void): Promise<void> {
  const command = release.processTypes[RELEASE_PHASE];
  if (!command?.trim()) return;
  say(`Running release command: ${command}`);
  const run = await deps.scheduler.runOneOff(app, release, { command: [command], tty: false, attach: true, env: { DYNO: 'release.1' } });
  const tail: string[] = [];
  let partial = '';
  run.attachment?.onOutput((_stream, data) => {
    const parts = (partial + data.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      say(`release: ${line}`);
      tail.push(line);
      if (tail.length > FAILURE_LOG_LINES) tail.shift();
    }
  });
  const ended = new Promise<void>((resolve) => { if (run.attachment) run.attachment.onEnd(resolve); else resolve(); });
  const timer = setTimeout(() => { void run.stop().catch(() => undefined); }, RELEASE_PHASE_TIMEOUT_MS);
  const code = await run.wait().finally(() => clearTimeout(timer));
  await ended;
  if (partial) { say(`release: ${partial}`); tail.push(partial); }
  if (code !== 0) {
    throw invalid(`release command failed with exit code ${code}${tail.length ? `\n--- last log lines of release ---\n${tail.join('\n')}` : ''}`);
  }
  say('Release command succeeded');
}
