/**
 * The push half of smart HTTP (`POST /git/<app>.git/git-receive-pack`),
 * served here instead of by node-git-server so the request is checked and
 * counted before git writes anything:
 *
 *   1. the command list is read and checked (pkt-line.ts: ref names are
 *      UTF-8 without NUL or control characters), else 400 with the reason;
 *   2. `git receive-pack --stateless-rpc` gets the commands and then the
 *      pack, every byte counted on its way in (after gzip decoding, so a
 *      small compressed body cannot grow past the cap);
 *   3. past `maxBytes`, git's stdin ends there: index-pack fails on the
 *      truncated pack and receive-pack removes its quarantine
 *      (objects/incoming-*), so nothing of the push stays and no ref moves.
 *      The rest of the body is read and dropped (up to `maxBytes` or 64 MiB
 *      more) so the client hears why: a report-status refusing each ref, with
 *      the reason on the progress band (`remote: …`); a client that keeps
 *      sending past that gets 413 and the connection closes.
 *
 * git's answer is held back until the whole body arrived (before that it is
 * only progress), so a refusal never lands in the middle of git's output.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Logger } from 'pino';
import { invalid, isKind } from '../../lib/errors.js';
import { parseCommands, refusalReport, type PushCommands } from './pkt-line.js';

export interface ReceivePackOptions {
  /** The app's bare repository. */
  repo: string;
  /** Largest request body taken, in bytes (PlatformConfig.maxPushBytes). */
  maxBytes: number;
  /** Called with the checked commands before git sees the pack. */
  accepted(push: PushCommands): void;
  log: Logger;
}

/** Longest command list read before the pack (about 10,000 refs). */
const MAX_COMMANDS = 1 << 20;
const MIN_DRAIN = 64 << 20;

/**
 * How the request body ended: all of it within the cap; over the cap but read
 * to its end; over the cap and still coming past the read allowance; failed
 * (a broken gzip stream); or the client went away.
 */
type Outcome = 'complete' | 'over' | 'cut' | 'broken' | 'gone';

/** Serve one receive-pack POST; resolves when the answer is sent (or the client is gone). */
export async function serveReceivePack(req: IncomingMessage, res: ServerResponse, opts: ReceivePackOptions): Promise<void> {
  let body: Readable;
  let head: { push: PushCommands; bytes: Buffer };
  try {
    body = decodedBody(req);
    head = await readCommands(body, opts.maxBytes);
  } catch (err) {
    if (!isKind(err, 'Invalid')) throw err;
    return answer(res, 400, (err as Error).message, true);
  }
  opts.accepted(head.push);
  const git = spawn('git', ['receive-pack', '--stateless-rpc', opts.repo]);
  const exit = exited(git, opts.log);
  const output = holdOutput(git);
  const outcome = head.bytes.length > opts.maxBytes ? overCap(git, body, head.bytes.length, opts.maxBytes) : pump(git, body, head.bytes, opts.maxBytes);
  const result = await outcome;
  if (result === 'complete') {
    output.release(res);
    return exit;
  }
  await exit;
  if (result === 'gone') return void res.destroy();
  if (result === 'broken') return answer(res, 400, 'the push request could not be read (a broken gzip stream?)', true);
  refuseOversized(res, head.push, result === 'cut', opts);
}

/** The answer to a push over the cap (git has exited and removed its quarantine). */
function refuseOversized(res: ServerResponse, push: PushCommands, cut: boolean, opts: ReceivePackOptions): void {
  const limit = formatBytes(opts.maxBytes);
  opts.log.info({ repo: opts.repo, limit: opts.maxBytes }, 'push refused: over the size limit');
  if (cut || !(push.capabilities.has('report-status') || push.capabilities.has('report-status-v2'))) {
    return answer(res, 413, `push refused: it is larger than ${limit}, this platform's limit`, true);
  }
  const message = ['', ` !     Push rejected: the push is larger than ${limit}, this platform's limit.`,
    ' !     Nothing of it was kept. Remove large files from the history (or push less at once) and push again.', ''];
  res.writeHead(200, RESULT_HEADERS);
  res.end(refusalReport(push, 'push larger than the size limit', message));
}

const RESULT_HEADERS = { 'content-type': 'application/x-git-receive-pack-result', 'cache-control': 'no-cache, max-age=0, must-revalidate' };

/** The body as sent (identity or gzip, which git uses for large requests); Invalid otherwise. */
function decodedBody(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') throw invalid(`unsupported Content-Encoding "${encoding.slice(0, 50)}": send identity or gzip`);
  const gunzip = zlib.createGunzip();
  req.on('error', (err) => gunzip.destroy(err));
  return req.pipe(gunzip);
}

/** Read up to the end of the command list; the body is left paused right after it. */
function readCommands(body: Readable, maxBytes: number): Promise<{ push: PushCommands; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, value?: { push: PushCommands; bytes: Buffer }) => {
      body.off('data', onData).off('end', onEnd).off('error', onError);
      body.pause();
      if (err) reject(err); else resolve(value!);
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const push = parseCommands(buf);
        if (push === null && buf.length > Math.min(MAX_COMMANDS, maxBytes + 1)) throw invalid('the push\'s command list is too long');
        if (push === null) return;
        done(null, { push, bytes: buf.subarray(0, push.length) });
        if (push.length < buf.length) body.unshift(buf.subarray(push.length));
      } catch (err) {
        done(err as Error);
      }
    };
    const onEnd = () => done(invalid('malformed push request: it ends before the command list does'));
    const onError = (err: Error) => done(invalid(`the push request could not be read: ${err.message}`, err));
    body.on('data', onData).once('end', onEnd).once('error', onError);
  });
}

/** Feed git the commands and the pack, counting; stops feeding at the cap. */
function pump(git: ChildProcessWithoutNullStreams, body: Readable, head: Buffer, maxBytes: number): Promise<Outcome> {
  let total = head.length;
  git.stdin.write(head);
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        stop();
        return resolve(overCap(git, body, total, maxBytes));
      }
      if (!git.stdin.write(chunk)) body.pause();
    };
    const onDrain = () => body.resume();
    const finish = (outcome: Outcome) => () => { stop(); git.stdin.end(); resolve(outcome); };
    // git gone early (it refused the input): its answer, whatever it is, is the answer; nothing waits for a drain.
    const [onEnd, onError, onClose, onGitGone] = [finish('complete'), finish('broken'), finish('gone'), finish('complete')];
    const stop = () => {
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      git.stdin.off('drain', onDrain).off('close', onGitGone);
    };
    // The body may have ended (or failed) already, while the command list was read.
    if (body.readableEnded) return onEnd();
    if (body.destroyed) return onClose();
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    git.stdin.on('drain', onDrain).once('close', onGitGone);
    body.resume();
  });
}

/** Over the cap: end git's input (it drops the pack), read and drop the rest of the body up to the drain allowance. */
function overCap(git: ChildProcessWithoutNullStreams, body: Readable, total: number, maxBytes: number): Promise<Outcome> {
  git.stdin.end();
  const allowance = maxBytes + Math.max(maxBytes, MIN_DRAIN);
  return new Promise((resolve) => {
    const finish = (outcome: Outcome) => () => { stop(); body.pause(); resolve(outcome); };
    const [onEnd, onCut, onGone] = [finish('over'), finish('cut'), finish('gone')];
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > allowance) onCut();
    };
    const stop = () => body.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    if (body.readableEnded) return onEnd();
    if (body.destroyed) return onGone();
    body.on('data', onData).once('end', onEnd).once('error', onGone).once('close', onGone);
    body.resume();
  });
}

/** git's stdout, kept until `release` sends it and streams the rest (the hook's build and deploy lines, live). */
function holdOutput(git: ChildProcessWithoutNullStreams): { release(res: ServerResponse): void } {
  const held: Buffer[] = [];
  const hold = (chunk: Buffer) => { held.push(chunk); };
  git.stdout.on('data', hold);
  return {
    release(res) {
      git.stdout.off('data', hold);
      res.writeHead(200, RESULT_HEADERS);
      for (const chunk of held) res.write(chunk);
      if (git.stdout.readableEnded) return void res.end();
      git.stdout.pipe(res);
      // A client gone mid-deploy: git (and its hook) must not block on a full pipe.
      res.once('close', () => { if (!git.stdout.readableEnded) git.stdout.resume(); });
    },
  };
}

/** Resolves when git has exited (its quarantine is gone by then); its stderr goes to the log. */
function exited(git: ChildProcessWithoutNullStreams, log: Logger): Promise<void> {
  let stderr = '';
  git.stderr.on('data', (c: Buffer) => { if (stderr.length < 4096) stderr += c.toString('utf8'); });
  git.stdin.on('error', (err) => log.debug({ err }, 'git receive-pack closed its input early'));
  return new Promise((resolve) => {
    git.once('error', (err) => { log.error({ err }, 'git receive-pack could not run'); resolve(); });
    git.once('close', (code) => {
      if (code !== 0) log.info({ code, stderr }, 'git receive-pack failed');
      resolve();
    });
  });
}

function answer(res: ServerResponse, status: number, message: string, close = false): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(close ? { connection: 'close' } : {}) });
  res.end(`${message}\n`);
}

/** 1073741824 → "1 GiB", 1500000 → "1500000 bytes". */
function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}
