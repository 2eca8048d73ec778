/**
 * Docker's multiplexed stdio stream (attach, exec and logs without a tty):
 * every frame is an 8-byte header — stream type (0 stdin, 1 stdout,
 * 2 stderr, 3 system error), three zero bytes, a big-endian uint32 payload
 * length — followed by the payload. Frames may be split across chunks or
 * several may share one chunk.
 */

export type FrameStream = 'stdin' | 'stdout' | 'stderr' | 'system';
const STREAMS: FrameStream[] = ['stdin', 'stdout', 'stderr', 'system'];

/** Create a stateful demuxer: feed it chunks in order, it calls `onFrame` per complete frame. */
export function createDemuxer(onFrame: (stream: FrameStream, payload: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const stream = STREAMS[pending[0]!] ?? 'stdout';
      onFrame(stream, pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  };
}

/** Encode one frame (the server side's job; used by tests). */
export function encodeFrame(stream: FrameStream, payload: Buffer | string): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = STREAMS.indexOf(stream);
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}
