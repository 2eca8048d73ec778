/**
 * Terminal plumbing for `run`, `attach` and `exec`: relay a hijacked
 * connection to the local stdio, put the local terminal in raw mode for the
 * duration of a tty session, follow window-size changes, forward signals.
 */
import type { CliIO } from './context.js';
import type { Hijacked } from './engine-client.js';
import { createDemuxer } from './frames.js';

export interface RelayOptions {
  /** The process has a tty: output is one raw stream. Otherwise it is multiplexed. */
  tty: boolean;
  /** Send the local stdin; its end half-closes the connection (the process sees EOF). */
  stdin: boolean;
}

/** Relay until the remote output ends. */
export function relay(conn: Hijacked, io: CliIO, opts: RelayOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const demux = createDemuxer((stream, data) => (stream === 'stderr' || stream === 'system' ? io.stderr : io.stdout).write(data));
    conn.output.on('data', (chunk: Buffer) => (opts.tty ? io.stdout.write(chunk) : demux(chunk)));
    conn.output.on('error', reject);
    conn.output.on('end', () => {
      if (input) {
        io.stdin.unpipe(input);
        io.stdin.pause();
      }
      resolve();
    });
    const input = opts.stdin ? conn.input : null;
    if (input) {
      input.on('error', () => { /* the process may close its stdin first */ });
      io.stdin.pipe(input, { end: false });
      io.stdin.on('end', () => input.end());
    }
  });
}

/** Run `fn` with the local terminal in raw mode (when `enabled` and stdin is a tty), restoring it afterwards. */
export async function withRawTerminal<T>(io: CliIO, enabled: boolean, fn: () => Promise<T>): Promise<T> {
  const raw = enabled && io.stdin.isTTY;
  if (raw) io.stdin.setRawMode(true);
  try {
    return await fn();
  } finally {
    if (raw) io.stdin.setRawMode(false);
  }
}

/** Send the terminal size now and on every change (SIGWINCH); returns a function that stops following. */
export function followTerminalSize(io: CliIO, resize: (rows: number, cols: number) => Promise<unknown>): () => void {
  if (!io.stdout.isTTY) return () => {};
  const send = () => void resize(io.stdout.rows, io.stdout.columns).catch(() => { /* the process may be gone */ });
  send();
  io.stdout.on('resize', send);
  return () => io.stdout.off('resize', send);
}

/** Forward SIGINT/SIGTERM/SIGHUP to the container (Docker's --sig-proxy); returns a function that stops forwarding. */
export function proxySignals(forward: (signal: NodeJS.Signals) => Promise<unknown>): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (signal: NodeJS.Signals) => void forward(signal).catch(() => { /* already gone */ });
  for (const s of signals) process.on(s, handler);
  return () => { for (const s of signals) process.off(s, handler); };
}
