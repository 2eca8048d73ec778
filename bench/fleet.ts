/**
 * A fleet of idle networked containers: `run -d busybox sleep 600`, one after
 * the other, timed one by one and as a whole; then what they cost the host
 * while they idle (the drop in MemAvailable, and the RSS of each container's
 * conmon); then `rm -f` of every one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { load, memAvailable, processPss, processStatus, settledMemAvailable } from './host.js';
import { progress, since } from './rounds.js';
import { summarize, type Summary } from './stats.js';

/** One engine's way to run, find and remove detached containers. */
export interface FleetDriver {
  name: string;
  /** Start container number `n` (`run -d … sleep 600` on the default network); resolves with its ID or name once it runs. */
  start(n: number): Promise<string>;
  /** PID (State.Pid) and address of each container, in any order. */
  inspect(ids: string[]): Promise<Array<{ pid: number; ip: string }>>;
  /** `rm -f` every container in `ids`. */
  remove(ids: string[]): Promise<void>;
}

export interface FleetResult {
  name: string;
  asked: number;
  started: number;
  /** Failed starts, with the first messages. */
  failed: number;
  errors: string[];
  /** Wall time for all the starts, and each start's time. */
  wallMs: number;
  perStart: Summary;
  /** MemAvailable (KiB) before the first start, with the fleet up and settled, and after its removal. */
  memKiB: { before: number; up: number; removed: number };
  /** Memory per container: (MemAvailable before − up) / containers started. */
  perContainerKiB: number | null;
  /** The cross-check: (MemAvailable after removal − up) / containers started. */
  freedPerContainerKiB: number | null;
  /** Mean VmRSS of the containers' conmon (the parent of State.Pid), over `conmons` of them. */
  conmonRssKiB: number | null;
  /** Mean PSS of conmon and the container's process together: their user-space memory, shared pages split among sharers. */
  processPssKiB: number | null;
  conmons: number;
  /** How many different addresses the containers got (each should have its own). */
  addresses: number;
  /** 1-minute load average after the starts. */
  load: number;
}

/** Let the host settle before reading memory with the fleet up (the engine's own work after a start). */
const SETTLE_MS = 3000;

/** Start `count` containers, measure them idle, remove them (also when measuring fails), measure again. */
export async function measureFleet(driver: FleetDriver, count: number): Promise<FleetResult> {
  const before = await settledMemAvailable();
  const ids: string[] = [];
  let started: Awaited<ReturnType<typeof startAll>>;
  let up: number;
  let states: Array<{ pid: number; ip: string }>;
  let conmon: Awaited<ReturnType<typeof conmonMemory>>;
  try {
    started = await startAll(driver, count, ids);
    await sleep(SETTLE_MS);
    up = await memAvailable();
    states = await driver.inspect(ids);
    conmon = await conmonMemory(states.map((s) => s.pid));
  } finally {
    await driver.remove(ids);
  }
  const removed = await settledMemAvailable();
  return {
    name: driver.name, asked: count, started: ids.length, ...started, memKiB: { before, up, removed },
    perContainerKiB: ids.length ? (before - up) / ids.length : null,
    freedPerContainerKiB: ids.length ? (removed - up) / ids.length : null,
    conmonRssKiB: conmon.count ? conmon.rssKiB / conmon.count : null, conmons: conmon.count,
    processPssKiB: conmon.count ? conmon.pssKiB / conmon.count : null,
    addresses: new Set(states.map((s) => s.ip).filter(Boolean)).size,
  };
}

/** `run -d` `count` times, one after the other; the IDs of those that ran go to `ids`. */
async function startAll(driver: FleetDriver, count: number, ids: string[]) {
  const times: number[] = [];
  const errors: string[] = [];
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < count; n++) {
    const t = process.hrtime.bigint();
    await driver.start(n).then((id) => { ids.push(id); times.push(since(t)); }, (err: unknown) => { errors.push(String(err)); });
    progress(`${driver.name}: ${n + 1}/${count} started`);
  }
  const wallMs = since(t0);
  progress('');
  return { wallMs, perStart: summarize(times), failed: errors.length, errors: errors.slice(0, 3), load: load() };
}

/** Sums over the conmon parents of `pids` (a parent that is not conmon is left out): their VmRSS, and their PSS with the child's. */
async function conmonMemory(pids: number[]): Promise<{ rssKiB: number; pssKiB: number; count: number }> {
  const sum = { rssKiB: 0, pssKiB: 0, count: 0 };
  for (const pid of pids) {
    const parentPid = (await processStatus(pid))?.ppid ?? 0;
    const parent = parentPid ? await processStatus(parentPid) : null;
    if (parent?.name !== 'conmon') continue;
    sum.rssKiB += parent.rssKiB;
    sum.pssKiB += (await processPss(parentPid)) + (await processPss(pid));
    sum.count++;
  }
  return sum;
}
