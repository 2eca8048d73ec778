/**
 * A strict decoder of chunked request bodies (RFC 9112 §7.1). The fast path
 * stops node's parser at the end of a request head and frames bodies itself;
 * a chunked body is decoded here and sent on re-encoded (extensions and
 * trailers dropped, as the http-proxy path does), so the backend only ever
 * sees framing the router wrote. Anything outside the grammar is refused,
 * which is where chunk-based desync lives (Kettle, "HTTP Desync Attacks",
 * 2019; Kettle, "HTTP/1.1 must die", 2025: bare LF, oversized sizes, junk in
 * extensions).
 */

/** Hex digits allowed in a chunk size: 15 keep it below 2^60 (nginx refuses sizes that overflow off_t). */
const MAX_SIZE_DIGITS = 15;
/** Chunk extensions and trailers together may take this much per body. */
const MAX_META_BYTES = 16 * 1024;

const enum State { Size, SizeDone, Ext, SizeLf, Data, DataCr, DataLf, TrailerStart, Trailer, TrailerLf, EndLf, Done }

/** What the decoder calls: body bytes (a slice of the input), the end, or a refusal. */
export interface ChunkSink {
  chunk(data: Buffer): void;
  end(): void;
  fail(reason: string): void;
}

/** One chunked body. */
export class ChunkedDecoder {
  private state = State.Size;
  private size = 0;
  private digits = 0;
  private meta = 0;

  constructor(private readonly sink: ChunkSink) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /** Decode `buf`; returns how many bytes belonged to the body (the rest is the next request), or -1 after a refusal. */
  write(buf: Buffer): number {
    let i = 0;
    while (i < buf.length && this.state !== State.Done) {
      if (this.state === State.Data) {
        const take = Math.min(this.size, buf.length - i);
        this.sink.chunk(buf.subarray(i, i + take));
        i += take;
        this.size -= take;
        if (this.size === 0) this.state = State.DataCr;
        continue;
      }
      if (!this.step(buf[i++])) return -1;
    }
    if (this.state === State.Done) this.sink.end();
    return i;
  }

  /** One byte outside chunk data; false after a refusal. */
  private step(c: number): boolean {
    switch (this.state) {
      case State.Size: {
        const v = hexValue(c);
        if (v !== -1) {
          if (++this.digits > MAX_SIZE_DIGITS) return this.fail('chunk size too large');
          this.size = this.size * 16 + v;
          return true;
        }
        if (this.digits === 0) return this.fail('chunk size expected');
        return this.afterSize(c);
      }
      case State.SizeDone: return this.afterSize(c);
      case State.Ext:
        if (c === 13) this.state = State.SizeLf;
        else if (c === 10 || c === 0 || ++this.meta > MAX_META_BYTES) return this.fail('invalid chunk extension');
        return true;
      case State.SizeLf: return c === 10 ? this.sizeLine() : this.fail('bare CR after chunk size');
      case State.DataCr: return c === 13 ? this.to(State.DataLf) : this.fail('CRLF expected after chunk data');
      case State.DataLf: return c === 10 ? this.newChunk() : this.fail('CRLF expected after chunk data');
      case State.TrailerStart: return c === 13 ? this.to(State.EndLf) : this.trailerByte(c);
      case State.Trailer: return c === 13 ? this.to(State.TrailerLf) : this.trailerByte(c);
      case State.TrailerLf: return c === 10 ? this.to(State.TrailerStart) : this.fail('bare CR in trailer');
      case State.EndLf: return c === 10 ? this.to(State.Done) : this.fail('CRLF expected at the end of the body');
      default: return this.fail('unexpected byte');
    }
  }

  /** After the size digits: optional whitespace, then an extension or the line end. */
  private afterSize(c: number): boolean {
    if (c === 32 || c === 9) return this.to(State.SizeDone);
    if (c === 59 /* ; */) return this.to(State.Ext);
    if (c === 13) return this.to(State.SizeLf);
    return this.fail(c === 10 ? 'bare LF after chunk size' : 'invalid character in chunk size');
  }

  private sizeLine(): boolean {
    this.digits = 0;
    this.state = this.size === 0 ? State.TrailerStart : State.Data;
    return true;
  }

  private newChunk(): boolean {
    this.size = 0;
    return this.to(State.Size);
  }

  private trailerByte(c: number): boolean {
    if (c === 10 || c === 0 || ++this.meta > MAX_META_BYTES) return this.fail('invalid trailer');
    return this.to(State.Trailer);
  }

  private to(s: State): true {
    this.state = s;
    return true;
  }

  private fail(reason: string): false {
    this.state = State.Done;
    this.sink.fail(reason);
    return false;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
