/**
 * HTTP/1.1 over a bare TCP socket, for hostile requests a client library
 * would refuse or rewrite: raw bytes in the request target and in headers
 * (written as latin1, one byte per character), bodies of any bytes. A
 * request says `Connection: close` unless it names its own (an upgrade); the
 * answer is whatever came back before
 * the server closed, and `dropped` says when no status line came at all.
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target as bytes (latin1). */
  target: string;
  /** Header lines as bytes (latin1); Host is added, and `Connection: close` unless given. */
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface RawReply {
  /** null when the connection closed (or timed out) without a status line. */
  status: number | null;
  headers: Record<string, string>;
  body: Buffer;
  /** Why no answer came, when status is null. */
  dropped?: string;
}

/** Send one request to 127.0.0.1:`port` and read until the server closes. */
export function rawRequest(port: number, req: RawRequest, timeoutMs = 20_000): Promise<RawReply> {
  const lines = [`${req.method} ${req.target} HTTP/1.1`, 'Host: 127.0.0.1'];
  if (!Object.keys(req.headers ?? {}).some((k) => k.toLowerCase() === 'connection')) lines.push('Connection: close');
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`${k}: ${v}`);
  if (req.body) lines.push(`Content-Length: ${req.body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let why: string | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(req.body ? Buffer.concat([head, req.body]) : head);
    });
    socket.setTimeout(timeoutMs, () => { why = 'timeout'; socket.destroy(); });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => { why ??= err.message; });
    socket.on('close', () => resolve(parseReply(Buffer.concat(chunks), why)));
  });
}

function parseReply(data: Buffer, why: string | undefined): RawReply {
  const end = data.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data.toString('latin1', 0, 20));
  if (end < 0 || !m) return { status: null, headers: {}, body: data, dropped: why ?? 'closed without an answer' };
  const headers: Record<string, string> = {};
  for (const line of data.toString('latin1', 0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const raw = data.subarray(end + 4);
  return { status: Number(m[1]), headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(raw) : raw };
}

/** A chunked body's data (as far as it arrived). */
function dechunk(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(raw.toString('latin1', pos, eol), 16);
    if (!(size > 0)) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
