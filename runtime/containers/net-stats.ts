/**
 * A container's network counters for `stats` (issue 16: Docker's
 * `networks`): the interfaces of its network namespace as its init process
 * sees them in /proc/<pid>/net/dev, without `lo` (Docker reports the
 * sandbox's interfaces only).
 */
import { promises as fsp } from 'node:fs';
import { isErrno } from '../../lib/errors.js';
import type { InterfaceCounters } from './types.js';

/** Parse /proc/net/dev text into counters per interface, `lo` left out. */
export function parseNetDev(text: string): Record<string, InterfaceCounters> {
  const out: Record<string, InterfaceCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const n = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (name === 'lo' || n.length < 16) continue;
    out[name] = {
      rxBytes: n[0], rxPackets: n[1], rxErrors: n[2], rxDropped: n[3],
      txBytes: n[8], txPackets: n[9], txErrors: n[10], txDropped: n[11],
    };
  }
  return out;
}

/** Counters of the network namespace of process `pid`; undefined when it has no interface but `lo` or is gone. */
export async function readNetworkCounters(pid: number): Promise<Record<string, InterfaceCounters> | undefined> {
  if (pid <= 0) return undefined;
  try {
    const nets = parseNetDev(await fsp.readFile(`/proc/${pid}/net/dev`, 'utf8'));
    return Object.keys(nets).length > 0 ? nets : undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ESRCH')) return undefined;
    throw err;
  }
}
