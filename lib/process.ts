/** Whether a process lives, for pid files (tspaasd's, its embedded servers', `tspaas up`'s). */
import { readFileSync, promises as fsp } from 'node:fs';
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

/**
 * True while `pid` exists at all, a zombie included: `tspaas down` waits for
 * this to turn false, so a stopped daemon is reaped, not only exited, when
 * down returns (isAlive is false already for the zombie).
 */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}

/** The pid in a pid file (its first line, as postmaster.pid has it) when that process is alive; undefined when there is no file or no such process. */
export async function livePid(pidFile: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(pidFile, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const pid = Number(text.split('\n')[0]!.trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}
