/**
 * Progress of long engine work (base image pulls, loads) as Docker streams
 * it: JSON lines `{status, id?, progressDetail?: {current, total}, stream?}`.
 * Humans see it on stderr (one line per id, redrawn in place on a terminal);
 * with `--json` every message is printed as a JSON line on stdout.
 */
import type { CliContext } from './context.js';
import { humanSize } from './format.js';

export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: unknown;
}

/** Consume a progress stream, showing it; returns every message (the last ones carry results). */
export async function showProgress(ctx: CliContext, messages: AsyncIterable<ProgressMessage>): Promise<ProgressMessage[]> {
  const all: ProgressMessage[] = [];
  const err = ctx.io.stderr;
  const live = !ctx.json && !!err.isTTY;
  let lastKey = '';
  for await (const msg of messages) {
    all.push(msg);
    if (ctx.json) {
      ctx.io.stdout.write(`${JSON.stringify(msg)}\n`);
      continue;
    }
    if (msg.stream !== undefined) {
      err.write(msg.stream);
      continue;
    }
    const line = progressLine(msg);
    const key = `${msg.id ?? ''}:${msg.status ?? ''}`;
    if (live) err.write(`${key === lastKey ? '\r\x1b[K' : lastKey ? '\n' : ''}${line}`);
    else if (key !== lastKey) err.write(`${line}\n`);
    lastKey = key;
  }
  if (live && lastKey) err.write('\n');
  return all;
}

/** "abc123: Extracting 1.2MB/4.5MB" */
export function progressLine(msg: ProgressMessage): string {
  const detail = msg.progressDetail;
  const amount = msg.progress ?? (detail?.total ? `${humanSize(detail.current ?? 0)}/${humanSize(detail.total)}` : '');
  return [msg.id ? `${msg.id}:` : '', msg.status ?? '', amount].filter(Boolean).join(' ');
}
