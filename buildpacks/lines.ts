/** Turning chunks of process output into whole lines. */

/** A splitter: feed chunks, get complete lines (without `\n`); `flush` emits the rest. */
export interface LineSplitter {
  push(chunk: Buffer | string): void;
  flush(): void;
}

/** Split on `\n` (a trailing `\r` is dropped); carriage-return progress bars count as lines too. */
export function splitLines(onLine: (line: string) => void): LineSplitter {
  let buf = '';
  return {
    push(chunk) {
      buf += chunk.toString();
      const parts = buf.split(/\r?\n|\r(?!$)/);
      buf = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    },
    flush() {
      if (buf.replace(/\r$/, '') !== '') onLine(buf.replace(/\r$/, ''));
      buf = '';
    },
  };
}
