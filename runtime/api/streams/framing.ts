/**
 * Docker's multiplexed stream ("stdcopy"): every chunk of a non-tty stream
 * is prefixed with an 8-byte header `[stream, 0, 0, 0, size (uint32 BE)]`,
 * stream 0 = stdin, 1 = stdout, 2 = stderr, 3 = system error. Tty streams
 * are sent raw.
 */

import { compareVersions } from '../http/version.js';

export type StreamId = 'stdin' | 'stdout' | 'stderr' | 'system';

const STREAM_BYTE: Record<StreamId, number> = { stdin: 0, stdout: 1, stderr: 2, system: 3 };

/** Content types of attach/exec/logs replies. */
export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** One frame of a multiplexed stream. */
export function encodeFrame(stream: StreamId, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = STREAM_BYTE[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** A writer of output chunks: framed for multiplexed streams, unchanged for raw (tty) ones. */
export function outputEncoder(multiplexed: boolean): (stream: StreamId, data: Buffer) => Buffer {
  return multiplexed ? encodeFrame : (_stream, data) => data;
}

/** The content type of an attach/exec/logs stream: multiplexed ones have their own from API 1.42 on. */
export function streamContentType(apiVersion: string, multiplexed: boolean): string {
  return multiplexed && compareVersions(apiVersion, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}
