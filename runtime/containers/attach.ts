/**
 * Attachments to conmon's attach socket (SOCK_SEQPACKET). Each message from
 * conmon is one stream byte (2 = stdout, 3 = stderr) followed by the payload;
 * what we send is written to the process's stdin, and shutting down our
 * write side closes it.
 *
 * Stdin goes over a connection of its own. node-unix-socket destroys a
 * socket on any error, a failed write included, and a write to a process
 * that just ended fails (EPIPE) while its last output still waits unread in
 * the socket: on one shared connection that output was lost (`docker exec
 * -it` printed nothing now and then). conmon copies output to every
 * connection, so the stdin one's copy is read and dropped.
 *
 * An attachment can exist before its process does (`docker run` attaches
 * before it starts the container): it is connected when the process starts.
 *
 * With a terminal, typing the detach keys (detach-keys.ts) on stdin detaches
 * the attachment: it ends at once, the process keeps running.
 */
import { openSync, closeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { SeqpacketSocket } from 'node-unix-socket';
import type { Attachment } from '../types.js';
import { DetachScanner } from './detach-keys.js';

const O_PATH = 0o10000000;
const STREAM_OF: Record<number, 'stdout' | 'stderr'> = { 2: 'stdout', 3: 'stderr' };

export interface AttachWants {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /**
   * The process has a terminal: the end of our stdin is not passed on, since
   * conmon would close the pty master and with it the session's output.
   */
  tty?: boolean;
  /** The detach sequence to watch stdin for (terminal only; see detach-keys.ts). */
  detachKeys?: Buffer;
}

/** An attachment whose socket is connected now or later (see `connect`). */
export class SocketAttachment implements Attachment {
  readonly stdin: Writable | null;
  /** The output connection. */
  private sock: SeqpacketSocket | null = null;
  /** The stdin connection (when stdin is wanted); gone once a write to it failed. */
  private inSock: SeqpacketSocket | null = null;
  private outputCbs: ((s: 'stdout' | 'stderr', d: Buffer) => void)[] = [];
  private endCbs: (() => void)[] = [];
  private ended = false;
  /** End callbacks run once this settles too (an exec's exit code must be known first). */
  private endGate: Promise<unknown> = Promise.resolve();
  /** Output that arrived before anyone listened. */
  private buffered: ['stdout' | 'stderr', Buffer][] = [];
  private pendingStdin: Buffer[] = [];
  private stdinClosed = false;
  /** The stdin connection is over: input is dropped. */
  private stdinGone = false;
  private readonly scanner: DetachScanner | null;

  constructor(private readonly wants: AttachWants, private readonly onDetach: (a: SocketAttachment) => void = () => undefined) {
    this.scanner = wants.stdin && wants.tty && wants.detachKeys?.length ? new DetachScanner(wants.detachKeys) : null;
    this.stdin = wants.stdin ? this.makeStdin() : null;
  }

  onOutput(cb: (stream: 'stdout' | 'stderr', data: Buffer) => void): void {
    this.outputCbs.push(cb);
    for (const [stream, data] of this.buffered.splice(0)) cb(stream, data);
  }

  onEnd(cb: () => void): void {
    if (this.ended) void this.endGate.finally(cb);
    else this.endCbs.push(cb);
  }

  /** Hold the end (for listeners) until `p` settles, e.g. until an exec's exit code is recorded. */
  holdEndUntil(p: Promise<unknown>): void {
    this.endGate = p.catch(() => undefined); // only a gate: whoever made `p` handles its failure
  }

  /** Connect to conmon's attach socket (output, then stdin); resolves once connected. */
  async connect(socketPath: string): Promise<void> {
    const out = await open(socketPath, {
      data: (buf) => this.emitOutput(buf),
      gone: () => this.finish(),
    });
    if (this.ended) {
      out.destroy();
      return;
    }
    this.sock = out;
    if (!this.wants.stdin) return;
    const input = await open(socketPath, {
      data: () => undefined, // a copy of the output, read so that conmon never waits on it
      gone: () => this.dropStdin(input),
    }).catch((err: unknown) => {
      this.finish();
      throw err;
    });
    if (this.ended) {
      input.destroy();
      return;
    }
    this.inSock = input;
    for (const b of this.pendingStdin.splice(0)) input.write(b);
    if (this.stdinClosed) input.end();
  }

  /** Output of a replayed log (attach with `logs`), delivered before live output. */
  replay(stream: 'stdout' | 'stderr', data: Buffer): void {
    if (stream === 'stdout' ? this.wants.stdout : this.wants.stderr) this.deliver(stream, data);
  }

  /** Stop relaying; the process keeps running. The end comes now, without waiting for the process (or its exit code). */
  detach(): void {
    this.onDetach(this);
    this.endGate = Promise.resolve();
    this.finish();
  }

  /**
   * Mark the end of output (the process is gone). The sockets are dropped
   * here and never touched again: node-unix-socket would otherwise act on
   * their old fd numbers, which by then may belong to other connections.
   */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    const socks = [this.sock, this.inSock];
    this.sock = null;
    this.inSock = null;
    for (const sock of socks) sock?.destroy();
    const cbs = this.endCbs.splice(0);
    void this.endGate.finally(() => { for (const cb of cbs) cb(); });
  }

  /** The stdin connection failed or closed (the process ended): later input goes nowhere; output is untouched. */
  private dropStdin(sock: SeqpacketSocket): void {
    if (this.inSock !== sock) return;
    this.inSock = null;
    this.stdinGone = true;
    this.pendingStdin = [];
    sock.destroy();
  }

  private emitOutput(buf: Buffer): void {
    const stream = STREAM_OF[buf[0]];
    if (!stream || !(stream === 'stdout' ? this.wants.stdout : this.wants.stderr)) return;
    this.deliver(stream, Buffer.from(buf.subarray(1)));
  }

  private deliver(stream: 'stdout' | 'stderr', data: Buffer): void {
    if (this.outputCbs.length === 0) this.buffered.push([stream, data]);
    for (const cb of this.outputCbs) cb(stream, data);
  }

  /** Input minus the detach keys, and whether they are complete. */
  private scan(input: Buffer): { pass: Buffer; detach: boolean } {
    if (!this.scanner || this.ended) return { pass: input, detach: false };
    return this.scanner.scan(input);
  }

  private makeStdin(): Writable {
    return new Writable({
      write: (input: Buffer, _enc, done) => {
        const { pass, detach } = this.scan(input);
        // What preceded the detach keys reaches the process first.
        const next = detach ? () => { this.detach(); done(); } : () => done();
        if (pass.length === 0) return next();
        if (this.inSock) return this.inSock.write(pass, 0, pass.length, next);
        if (!this.ended && !this.stdinGone) this.pendingStdin.push(pass); // not connected yet
        next();
      },
      final: (done) => {
        if (this.wants.tty) return done();
        this.stdinClosed = true;
        if (this.inSock && !this.ended) this.inSock.end(() => done());
        else done();
      },
    });
  }
}

/** Connect a socket to `socketPath`; `gone` runs once when it ends, closes or fails. */
function open(socketPath: string, on: { data: (buf: Buffer) => void; gone: () => void }): Promise<SeqpacketSocket> {
  return new Promise((resolve, reject) => {
    const sock = new SeqpacketSocket();
    let connected = false;
    let gone = false;
    const goneOnce = () => {
      if (connected && !gone) {
        gone = true;
        on.gone();
      }
    };
    sock.setInternalReadBufferSize(8193);
    sock.on('data', on.data);
    sock.on('end', goneOnce);
    sock.on('close', goneOnce);
    sock.on('error', (err: Error) => { if (connected) goneOnce(); else reject(err); });
    const { path, fd } = shortPath(socketPath);
    try {
      sock.connect(path, () => {
        connected = true;
        resolve(sock);
      });
    } catch (err) {
      reject(err);
    } finally {
      if (fd !== undefined) setImmediate(() => closeSync(fd));
    }
  });
}

/** sun_path holds 108 bytes; reach longer socket paths through an O_PATH fd. */
function shortPath(p: string): { path: string; fd?: number } {
  if (Buffer.byteLength(p) < 100) return { path: p };
  const fd = openSync(p, O_PATH);
  return { path: `/proc/self/fd/${fd}`, fd };
}
