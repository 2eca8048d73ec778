/**
 * Attachments to conmon's attach socket (SOCK_SEQPACKET). Each message from
 * conmon is one stream byte (2 = stdout, 3 = stderr) followed by the payload;
 * what we send is written to the process's stdin, and shutting down our
 * write side closes it.
 *
 * An attachment can exist before its process does (`docker run` attaches
 * before it starts the container): it is connected when the process starts.
 */
import { openSync, closeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { SeqpacketSocket } from 'node-unix-socket';
import type { Attachment } from '../types.js';

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
}

/** An attachment whose socket is connected now or later (see `connect`). */
export class SocketAttachment implements Attachment {
  readonly stdin: Writable | null;
  private sock: SeqpacketSocket | null = null;
  private outputCbs: ((s: 'stdout' | 'stderr', d: Buffer) => void)[] = [];
  private endCbs: (() => void)[] = [];
  private ended = false;
  /** End callbacks run once this settles too (an exec's exit code must be known first). */
  private endGate: Promise<unknown> = Promise.resolve();
  /** Output that arrived before anyone listened. */
  private buffered: ['stdout' | 'stderr', Buffer][] = [];
  private pendingStdin: Buffer[] = [];
  private stdinClosed = false;

  constructor(private readonly wants: AttachWants, private readonly onDetach: (a: SocketAttachment) => void = () => undefined) {
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
    this.endGate = p.catch(() => undefined);
  }

  /** Connect to conmon's attach socket; resolves once connected. */
  connect(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = new SeqpacketSocket();
      sock.setInternalReadBufferSize(8193);
      sock.on('data', (buf: Buffer) => this.emitOutput(buf));
      sock.on('end', () => this.finish());
      sock.on('close', () => this.finish());
      sock.on('error', (err: Error) => { if (!this.sock) reject(err); this.finish(); });
      const { path, fd } = shortPath(socketPath);
      try {
        sock.connect(path, () => {
          if (this.ended) {
            sock.destroy();
            resolve();
            return;
          }
          this.sock = sock;
          for (const b of this.pendingStdin.splice(0)) sock.write(b);
          if (this.stdinClosed) sock.end();
          resolve();
        });
      } catch (err) {
        reject(err);
      } finally {
        if (fd !== undefined) setImmediate(() => closeSync(fd));
      }
    });
  }

  /** Output of a replayed log (attach with `logs`), delivered before live output. */
  replay(stream: 'stdout' | 'stderr', data: Buffer): void {
    if (stream === 'stdout' ? this.wants.stdout : this.wants.stderr) this.deliver(stream, data);
  }

  detach(): void {
    this.onDetach(this);
    this.sock?.destroy();
    this.finish();
  }

  /**
   * Mark the end of output (the process is gone). The socket is dropped here
   * and never touched again: node-unix-socket would otherwise act on its old
   * fd number, which by then may belong to another connection.
   */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    const sock = this.sock;
    this.sock = null;
    sock?.destroy();
    const cbs = this.endCbs.splice(0);
    void this.endGate.finally(() => { for (const cb of cbs) cb(); });
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

  private makeStdin(): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.ended) done();
        else if (this.sock) this.sock.write(chunk, 0, chunk.length, () => done());
        else { this.pendingStdin.push(chunk); done(); }
      },
      final: (done) => {
        if (this.wants.tty) return done();
        this.stdinClosed = true;
        if (this.sock && !this.ended) this.sock.end(() => done());
        else done();
      },
    });
  }
}

/** sun_path holds 108 bytes; reach longer socket paths through an O_PATH fd. */
function shortPath(p: string): { path: string; fd?: number } {
  if (Buffer.byteLength(p) < 100) return { path: p };
  const fd = openSync(p, O_PATH);
  return { path: `/proc/self/fd/${fd}`, fd };
}
