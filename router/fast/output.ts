/**
 * What a fast-path client connection writes for a backend's response: the
 * head and body pieces (chunk-framed when the router frames the body). While
 * a backend read is handled (`gather` … `flush`) the pieces are gathered and
 * written as one buffer of their own: one write per read, and the pieces,
 * which may be the backend's shared read buffer, are copied before the
 * read buffer is used again. That write leaves at the end of the event
 * loop's turn (turn-writes.ts).
 */
import type net from 'node:net';
import { writeAtTurnEnd } from './turn-writes.js';

export class ClientOutput {
  private gathered: (string | Buffer)[] | null = null;
  private bytes = 0;

  constructor(private readonly socket: net.Socket) {}

  /** Gather what follows until `flush`. */
  gather(): void {
    this.gathered ??= [];
  }

  /** Write what was gathered as one buffer; false when the socket's buffer is full. */
  flush(): boolean {
    const parts = this.gathered;
    if (parts === null) return true;
    this.gathered = null;
    if (parts.length === 0) return true;
    const out = Buffer.allocUnsafe(this.bytes);
    this.bytes = 0;
    let at = 0;
    for (const p of parts) at += typeof p === 'string' ? out.write(p, at, 'latin1') : p.copy(out, at);
    return writeAtTurnEnd(this.socket, out);
  }

  /** A response head (latin1). */
  head(head: string): void {
    if (this.gathered !== null) this.put(head);
    else this.socket.write(head, 'latin1');
  }

  /** A body piece, framed as a chunk when `chunk` (empty: the last chunk); false when the socket's buffer is full. */
  body(data: Buffer, chunk: boolean): boolean {
    if (this.gathered !== null) {
      if (!chunk) this.put(data);
      else if (data.length === 0) this.put('0\r\n\r\n');
      else {
        this.put(`${data.length.toString(16)}\r\n`);
        this.put(data);
        this.put('\r\n');
      }
      return true;
    }
    if (!chunk) return this.socket.write(data);
    if (data.length === 0) return this.socket.write('0\r\n\r\n');
    this.socket.cork();
    this.socket.write(`${data.length.toString(16)}\r\n`);
    this.socket.write(data);
    const ok = this.socket.write('\r\n');
    this.socket.uncork();
    return ok;
  }

  /** Gathered (strings are latin1: a byte per character). */
  private put(part: string | Buffer): void {
    this.gathered!.push(part);
    this.bytes += part.length;
  }
}
