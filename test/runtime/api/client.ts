/** Minimal Engine API client helpers for the tests: raw requests and a stream demultiplexer. */
import http from 'node:http';
import { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request over the unix socket; resolves with the whole reply. */
export function request(socketPath: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Split a multiplexed stream (8-byte frame headers) into stdout and stderr text, until it ends. */
export function demux(stream: NodeJS.ReadableStream | Buffer): Promise<{ stdout: string; stderr: string }> {
  if (Buffer.isBuffer(stream)) return demux(Readable.from([stream]));
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out = { stdout: '', stderr: '' };
    stream.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
        const size = buf.readUInt32BE(4);
        const text = buf.subarray(8, 8 + size).toString();
        if (buf[0] === 2) out.stderr += text; else out.stdout += text;
        buf = buf.subarray(8 + size);
      }
    });
    stream.on('end', () => resolve(out));
    stream.on('close', () => resolve(out));
    stream.on('error', reject);
  });
}
