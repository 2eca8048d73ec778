/**
 * Issue 14 part P (platform messages): build and deploy output as the lines
 * a pusher reads. Progress that tools redraw with `\r` (apt/dpkg's "Reading
 * database ... 45%", npm's and curl's meters) can reach a sink as one chunk
 * of 10 KB or more with no `\n`; git would carry it as one sideband line.
 * Each `\r` and `\n` ends a line here, redraws that leave nothing are
 * dropped, and a line with no break at all is cut every {@link MAX_LINE}
 * characters, so no `remote:` line is longer than that.
 */

/** The longest line a sink passes on; longer ones are cut into pieces of this size. */
export const MAX_LINE = 2048;

/** `text` (one chunk or line of output; a trailing newline is not a line of its own) as lines. */
export function outputLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.replace(/\r*\n$/, '').split(/\r*\n/)) {
    const redraws = line.split('\r').filter((s) => s !== '');
    if (redraws.length === 0) lines.push('');
    for (const s of redraws) for (let i = 0; i < s.length || i === 0; i += MAX_LINE) lines.push(s.slice(i, i + MAX_LINE));
  }
  return lines;
}
