/**
 * The thread that rotates running containers' logs (log-rotation.ts starts
 * it). It has its own event loop so that rotation keeps pace with conmon
 * however busy the engine's main thread is: conmon can fill a small
 * max-size in milliseconds, and a file the engine has not named before
 * conmon replaces it again is lost (log-files.ts).
 *
 * Messages in: `prepare` (before conmon starts on a log), `start` (watch a
 * running container's log), `stop` (its last look, then no more watching);
 * each is answered with `{ seq, error? }`. A failure while
 * watching is sent as `{ failed: id, error }`.
 */
import path from 'node:path';
import os from 'node:os';
import { readlinkSync, watch, type FSWatcher } from 'node:fs';
import { isErrno } from '../../lib/errors.js';
import { parentPort } from 'node:worker_threads';
import { prepareLogSync, rotateLogSync } from './log-files.js';

/** A request to the rotation thread. */
export type RotationRequest =
  | { op: 'prepare'; seq: number; log: string; maxFile: number }
  | { op: 'start'; seq: number; id: string; log: string; maxFile: number }
  | { op: 'stop'; seq: number; id: string; last?: { log: string; maxFile: number } };

/** What the rotation thread sends back. */
export type RotationReply = { seq: number; error?: string } | { failed: string; error: string };

const watches = new Map<string, FSWatcher>();
const port = parentPort!;
raisePriority();

/**
 * Ask the kernel to run this thread ahead of the busy rest (nice -10; it
 * does a few metadata calls per rotation): on a loaded host a wait of
 * milliseconds is what lets conmon get two files ahead.
 */
function raisePriority(): void {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  try {
    os.setPriority(tid, -10);
  } catch (err) {
    // Not root: rotation still works at normal priority.
    if (!isErrno(err, 'EACCES') && !isErrno(err, 'EPERM') && (err as { info?: { code?: string } }).info?.code !== 'EACCES') throw err;
  }
}

function send(m: RotationReply): void {
  port.postMessage(m);
}

/**
 * Watch one log. conmon replacing `ctr.log` (a rename) is handled at once;
 * writes to it only schedule one check for the next turn of the loop. One
 * inotify queue serves every watched log, and a container that floods its
 * log queues an event per write: handled one by one, with a check each, they
 * would hold up the rename of another container's log behind them, long
 * enough for conmon to replace that one again before it is named (as a
 * full run's load did: a file of a neighbour's log was lost).
 */
function startWatch(id: string, log: string, maxFile: number): void {
  stopWatch(id);
  const name = path.basename(log);
  let scheduled = false;
  const check = () => {
    scheduled = false;
    try {
      rotateLogSync(log, maxFile);
    } catch (err) {
      send({ failed: id, error: (err as Error).message });
    }
  };
  const w = watch(path.dirname(log), (event, file) => {
    if (file !== name) return;
    if (event === 'rename') check();
    else if (!scheduled) { scheduled = true; setImmediate(check); }
  });
  w.on('error', (err) => send({ failed: id, error: err.message }));
  watches.set(id, w);
  check();
}

function stopWatch(id: string): void {
  watches.get(id)?.close();
  watches.delete(id);
}

/** Run `fn` and answer request `seq` with its outcome. */
function answer(seq: number, fn: () => void): void {
  try {
    fn();
    send({ seq });
  } catch (err) {
    send({ seq, error: (err as Error).message });
  }
}

port.on('message', (m: RotationRequest) => {
  if (m.op === 'prepare') answer(m.seq, () => prepareLogSync(m.log, m.maxFile));
  else if (m.op === 'start') answer(m.seq, () => startWatch(m.id, m.log, m.maxFile));
  else answer(m.seq, () => { stopWatch(m.id); if (m.last) rotateLogSync(m.last.log, m.last.maxFile); });
});
