/**
 * The host around a benchmark: what the machine is and how loaded, its
 * available memory and processes' RSS, and mounts the peers leave behind.
 */
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from '../lib/exec.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The 1-minute load average with two decimals. */
export function load(): number {
  return Number(os.loadavg()[0].toFixed(2));
}

/** "2 × CPU model, Linux release, date": the machine line of a report. */
export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Linux ${os.release()}, ${new Date().toISOString().slice(0, 10)}`;
}

/** MemAvailable of /proc/meminfo in KiB: the median of `samples` readings 200 ms apart (the host is shared). */
export async function memAvailable(samples = 5): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(200);
    const text = await fsp.readFile('/proc/meminfo', 'utf8');
    readings.push(Number(/^MemAvailable:\s+(\d+) kB/m.exec(text)?.[1] ?? NaN));
  }
  return readings.sort((a, b) => a - b)[Math.floor(readings.length / 2)];
}

/**
 * MemAvailable once it holds still: readings 1 s apart until two differ by
 * less than `toleranceKiB` (the kernel frees network namespaces and other
 * objects some time after their last user leaves), for at most `maxSeconds`.
 */
export async function settledMemAvailable(toleranceKiB = 2048, maxSeconds = 20): Promise<number> {
  let last = await memAvailable();
  for (let i = 0; i < maxSeconds; i++) {
    await sleep(1000);
    const now = await memAvailable();
    if (Math.abs(now - last) < toleranceKiB) return now;
    last = now;
  }
  return last;
}

/** Name, parent and VmRSS (KiB) of a process from /proc/<pid>/status, or null when it is gone. */
export async function processStatus(pid: number): Promise<{ name: string; ppid: number; rssKiB: number } | null> {
  const text = await fsp.readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (text === null) return null;
  const field = (key: string) => new RegExp(`^${key}:\\s+(\\S+)`, 'm').exec(text)?.[1] ?? '';
  return { name: field('Name'), ppid: Number(field('PPid')), rssKiB: Number(field('VmRSS') || 0) };
}

/** Proportional set size (KiB) of a process from /proc/<pid>/smaps_rollup: its share of shared pages; 0 when it is gone. */
export async function processPss(pid: number): Promise<number> {
  const text = await fsp.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return Number(/^Pss:\s+(\d+) kB/m.exec(text)?.[1] ?? 0);
}

/** Unmount whatever was left mounted under `dir`, deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await fsp.readFile('/proc/self/mountinfo', 'utf8')).split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m], { allowFailure: true });
}

/**
 * Mount a quota filesystem of its own at `dir` (made; scripts/quota-store.sh
 * --own: a sparse XFS or btrfs image next to it), so an engine rooted there
 * can bound writable layers (docs/engine.md "Disk quotas"). unmountUnder of
 * a parent takes it down.
 */
export async function quotaStore(dir: string, size = '4G'): Promise<void> {
  await run('bash', [path.join(REPO_ROOT, 'scripts/quota-store.sh'), '--own', dir], { env: { ...process.env, TSPAAS_STORAGE_SIZE: size } });
}
