/**
 * Build logs: every line of a build is appended to
 * `<dataDir>/logs/builds/<buildId>.log` and published on the event bus as a
 * `build` event, in that order and in the same tick, so a follower that
 * subscribes and reads the file in one synchronous step sees every line
 * exactly once (the past from the file, the rest live).
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isErrno } from '../../lib/errors.js';
import type { Db } from '../db/pool.js';
import { getBuild, releaseOfBuild } from '../store/builds.js';
import type { EventBus, PlatformEvent } from '../types.js';
import { outputLines } from './lines.js';

/** Where a build's source tar waits for its build job: `<dataDir>/sources/<buildId>.tar`. */
export function sourcePath(dataDir: string, buildId: string): string {
  return path.join(dataDir, 'sources', `${buildId}.tar`);
}

/** `<dataDir>/logs/builds/<buildId>.log`. */
export function buildLogPath(dataDir: string, buildId: string): string {
  return path.join(dataDir, 'logs', 'builds', `${buildId}.log`);
}

/** A line sink for one build: appends to its log file and publishes the line (split at each `\r` and `\n`: lines.ts). */
export function openBuildLog(dataDir: string, events: EventBus, appId: string, buildId: string): (line: string) => void {
  const file = buildLogPath(dataDir, buildId);
  mkdirSync(path.dirname(file), { recursive: true });
  return (text) => {
    for (const line of outputLines(text)) {
      appendFileSync(file, `${line}\n`);
      events.publish({ kind: 'build', appId, buildId, line });
    }
  };
}

/** How a followed build ended. */
export type BuildEnd = Extract<PlatformEvent, { kind: 'build-done' }>;

/**
 * Every line of the build so far, then (with `follow`) each new one until the
 * build ends; resolves with how it ended (null when not following and the
 * build has not ended, or when `signal` aborted).
 */
export async function followBuildLog(
  deps: { db: Db; events: EventBus; dataDir: string },
  build: { id: string; appId: string },
  onLine: (line: string) => void,
  opts: { follow: boolean; signal?: AbortSignal },
): Promise<BuildEnd | null> {
  let resolveEnd!: (end: BuildEnd | null) => void;
  const ended = new Promise<BuildEnd | null>((r) => { resolveEnd = r; });
  const unsubscribe = deps.events.subscribe(build.appId, (e) => {
    if (e.kind === 'build' && e.buildId === build.id) onLine(e.line);
    if (e.kind === 'build-done' && e.buildId === build.id) resolveEnd(e);
  });
  // Subscribed and read in one synchronous step: no line is missed or doubled.
  for (const line of readLines(buildLogPath(deps.dataDir, build.id))) onLine(line);
  const onAbort = () => resolveEnd(null);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const row = await getBuild(deps.db, build.id);
    if (row.status === 'succeeded' || row.status === 'failed') {
      const releaseId = row.status === 'succeeded' ? (await releaseOfBuild(deps.db, build.id)) ?? undefined : undefined;
      resolveEnd({ kind: 'build-done', appId: build.appId, buildId: build.id, status: row.status, error: row.error ?? undefined, releaseId });
    } else if (!opts.follow) {
      resolveEnd(null);
    }
    return await ended;
  } finally {
    unsubscribe();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function readLines(file: string): string[] {
  try {
    const text = readFileSync(file, 'utf8');
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}
