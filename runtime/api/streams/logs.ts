/** Writing a container's log lines as `docker logs` expects them. */
import type { ServerResponse } from 'node:http';
import type { LogLine } from '../../containers/types.js';
import { formatNanoUtc } from '../docker/time.js';
import { outputEncoder } from './framing.js';

export interface LogFormat {
  /** Frame lines with Docker's 8-byte headers (non-tty containers). */
  multiplexed: boolean;
  /** Prefix every line with its time, `2006-01-02T15:04:05.000000000Z `. */
  timestamps: boolean;
}

/**
 * Copy `lines` to the (already started) reply until they end or the client
 * goes away; then end the reply. A departed client ends the iteration.
 */
export async function pumpLogs(lines: AsyncIterable<LogLine>, res: ServerResponse, format: LogFormat): Promise<void> {
  const encode = outputEncoder(format.multiplexed);
  const it = lines[Symbol.asyncIterator]();
  const closed = new Promise<'closed'>((resolve) => res.once('close', () => resolve('closed')));
  for (;;) {
    const step = await Promise.race([it.next(), closed]);
    if (step === 'closed') {
      void it.return?.();
      return;
    }
    if (step.done) break;
    const line = step.value;
    const data = format.timestamps ? Buffer.concat([Buffer.from(`${formatNanoUtc(line.time)} `), line.data]) : line.data;
    // A reader slower than the disk (a 2 GB log with --since) must not pile the log up in memory: wait for the socket.
    if (!res.write(encode(line.stream, data)) && (await Promise.race([drained(res), closed])) === 'closed') {
      void it.return?.();
      return;
    }
  }
  res.end();
}

function drained(res: ServerResponse): Promise<'drained'> {
  return new Promise((resolve) => res.once('drain', () => resolve('drained')));
}
