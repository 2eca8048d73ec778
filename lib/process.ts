/** Whether a process lives, for pid files (tspaasd's, its embedded servers', `tspaas up`'s). */
import { readFileSync } from 'node:fs';
import { isErrno } from './errors.js';

/** True when `pid` runs (also as another user's: EPERM) and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
  const stat = (() => { try { return readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return ''; } })();
  return !/^\d+ \(.*\) Z/s.test(stat);
}
