/**
 * Capabilities as Docker names and grants them: the default set, every
 * capability the kernel knows, `--cap-add`/`--cap-drop` (with "ALL") and
 * the bit masks /proc shows.
 */
import { invalid, unavailable } from '../../lib/errors.js';

/**
 * Docker's default capability set minus CAP_MKNOD: Docker grants it and
 * relies on the device cgroup alone; tspaas refuses `mknod` outright
 * (`--cap-add MKNOD` gives it back).
 */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Every capability the kernel knows, index = capability number. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
].map((c) => `CAP_${c}`);

/** Docker's rules: add ALL → all minus drops; drop ALL → only the adds; else defaults − drops + adds. */
export function resolveCapabilities(p: { capAdd?: string[]; capDrop?: string[]; privileged?: boolean; host: { caps: readonly string[] } }): string[] {
  const held = new Set(p.host.caps);
  if (p.privileged) return ALL_CAPABILITIES.filter((c) => held.has(c));
  const add = (p.capAdd ?? []).map(normalizeCap);
  const drop = (p.capDrop ?? []).map(normalizeCap);
  let caps: string[];
  if (add.includes('ALL')) caps = ALL_CAPABILITIES.filter((c) => !drop.includes(c) && held.has(c));
  else if (drop.includes('ALL')) caps = add;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drop.includes(c)), ...add];
  caps = [...new Set(caps)];
  const missing = caps.filter((c) => !held.has(c));
  if (missing.length) throw unavailable(`capabilities not available to the engine on this host: ${missing.join(', ')}`);
  return caps;
}

/** Docker's spelling rules: any case, with or without CAP_, or "ALL"; `Invalid` for a name the kernel does not know. */
export function normalizeCap(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(cap)) throw invalid(`unknown capability: "${cap}"`);
  return cap;
}

/** Capability names of a bounding-set bit mask. */
export function capsFromMask(mask: bigint): string[] {
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/** Bit mask of capability names, as /proc/<pid>/status shows it (16 hex digits). */
export function capMask(caps: readonly string[]): string {
  const mask = caps.reduce((m, c) => m | (1n << BigInt(ALL_CAPABILITIES.indexOf(c))), 0n);
  return mask.toString(16).padStart(16, '0');
}
