/**
 * Loaded by ava before every test file (ava.config.js, `require`): it keeps a
 * test file's process from holding the whole run, and says which file did.
 *
 * - When `TSPAAS_TEST_FILES_LOG` names a file (scripts/test.sh sets it), a
 *   line `start <file> pid=<pid> at=<unix ms>` is appended when the file's
 *   process starts and `done <file> pid=… at=…` once ava is done with its
 *   tests. When the whole run is stopped at its time limit, scripts/test.sh
 *   names the files that started and never got done; the pid and the times
 *   say how long each file took and which processes were its (their parent
 *   chain leads to it).
 * - A process whose tests are all done should end by itself. One that does
 *   not (a test or the code under test left a pipe, socket, child or port
 *   open) held a CI run until its 60-minute limit once, with no name. Now,
 *   `LINGER_MS` after its tests, it prints `lingered: <file> …` with what
 *   still holds its event loop, and exits. Its tests keep their results;
 *   scripts/test.sh lists the lingered lines above its last line.
 */
import { registerCompletionHandler } from 'ava';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const LINGER_MS = 20_000;

/** The test file this process runs, from ava's worker options (internal to ava 7; null if that moves). */
function testFile(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const options = require(path.join(path.dirname(require.resolve('ava')), '../lib/worker/options.cjs')) as { get(): { file: string } };
    return path.relative(process.cwd(), new URL(options.get().file, 'file:///').pathname);
  } catch {
    return null;
  }
}

function mark(what: 'start' | 'done', file: string): void {
  const log = process.env.TSPAAS_TEST_FILES_LOG;
  if (log) appendFileSync(log, `${what} ${file} pid=${process.pid} at=${Date.now()}\n`);
}

/** What keeps the event loop alive: each referenced handle, with the command of a child process and the peer of a socket. */
function holders(): string[] {
  type Handle = { _handle?: { fd?: number; hasRef?(): boolean }; spawnargs?: string[]; pid?: number; remoteAddress?: string };
  const handles = (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles();
  const own = (h: Handle) => h._handle?.fd !== undefined && h._handle.fd >= 0 && h._handle.fd <= 2; // this process's stdio
  const held = handles.filter((h) => h._handle?.hasRef?.() !== false && !own(h)).map((h) => {
    if (Array.isArray(h.spawnargs)) return `child ${h.pid} (${h.spawnargs.join(' ').slice(0, 120)})`;
    const name = h.constructor?.name ?? 'handle';
    if (h.remoteAddress) return `${name} to ${h.remoteAddress}`;
    const bound = (h as { address?(): unknown }).address?.();
    if (bound && typeof bound === 'object' && 'port' in bound) return `${name} on port ${String(bound.port)}`;
    return h._handle?.fd !== undefined && h._handle.fd >= 0 ? `${name} fd ${h._handle.fd}` : name;
  });
  return [...held, `resources: ${process.getActiveResourcesInfo().join(' ')}`];
}

const file = testFile() ?? `(pid ${process.pid}: ava did not say which file)`;
mark('start', file);
registerCompletionHandler(() => {
  mark('done', file);
  setTimeout(() => {
    process.stderr.write(`lingered: ${file} was still running ${LINGER_MS / 1000} s after its tests; held by: ${holders().join(', ')}\n`);
    process.exit(0);
  }, LINGER_MS).unref();
});
