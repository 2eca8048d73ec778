/** Plain dirs for the quota backends. */
import { promises as fsp } from 'node:fs';
import { conflict, isErrno } from '../../lib/errors.js';

/** mkdir that reports an existing dir as `Conflict`. */
export async function mkdirNew(dir: string, mode: number): Promise<void> {
  try {
    await fsp.mkdir(dir, { mode });
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw conflict(`${dir} already exists`, err);
    throw err;
  }
}
