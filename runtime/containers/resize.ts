/** Terminal resizes through conmon's `winsz` fifo, which reads `<rows> <cols>\n` (the `ctl` fifo is the one with a type field). */
import { promises as fsp, constants } from 'node:fs';
import { conflict, invalid } from '../../lib/errors.js';

/** Ask conmon to resize the pty behind `winszFifo`. */
export async function resizeTerminal(winszFifo: string, rows: number, cols: number): Promise<void> {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw invalid('invalid terminal size');
  let fh;
  try {
    fh = await fsp.open(winszFifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw conflict('the process has no terminal to resize', err);
  }
  try {
    await fh.write(`${rows} ${cols}\n`);
  } finally {
    await fh.close();
  }
}
