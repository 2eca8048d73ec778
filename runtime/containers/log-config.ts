/**
 * Log drivers and their options, with Docker's semantics (`--log-driver`,
 * `--log-opt max-size=10m --log-opt max-file=3`, HostConfig.LogConfig).
 *
 * Drivers: `json-file` (the default, as Docker's) and `k8s-file` are one
 * driver under two names: bounded local files read back by `logs`, with the
 * same options; the bytes on disk are conmon's k8s-file records either way
 * (no client reads them: inspect's LogPath is empty). Clients read the name:
 * docker-py's `containers.run()` returns the output only for `json-file`.
 * `none` keeps nothing (`logs` then refuses, as Docker's does). Anything
 * else is Invalid with dockerd's message.
 *
 * Options: `max-size` (Docker's human size, decimal units: `10m` is
 * 10,000,000 bytes) and `max-file` (files kept, the one being written
 * included). A log is always bounded: there is no "-1 = unlimited"; an
 * option the container leaves out takes the engine's default (tspaasd
 * `--log-opt`), key by key, when the container starts. A container records
 * only what it asked for (`containerLogConfig`), so inspect shows the
 * options as given, as dockerd's does when it has no `log-opts` configured.
 */
import { invalid } from '../../lib/errors.js';

/** A container's log driver and options as Docker's API carries them. */
export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** What the engine does with a container's output. */
export interface LogPolicy {
  driver: 'k8s-file' | 'none';
  /** Largest size of one log file, bytes. */
  maxSize: number;
  /** Files kept: the current one and `maxFile - 1` rotated ones. */
  maxFile: number;
}

/** The engine's defaults when tspaasd is given no `--log-opt`: 10 MB × 3 files. */
export const DEFAULT_LOG_OPTS: Readonly<Record<string, string>> = Object.freeze({ 'max-size': '10m', 'max-file': '3' });

/**
 * The smallest max-size: conmon writes a record of up to 8 KiB of output
 * plus its timestamp in one piece, so a smaller file could not hold one.
 */
export const MIN_LOG_SIZE = 16 * 1024;

const DRIVERS = ['json-file', 'k8s-file', 'none'];
/** The driver of a container that names none. */
export const DEFAULT_LOG_DRIVER = 'json-file';
const OPTS = ['max-size', 'max-file'];

/** Check a container's (or the engine's) log config and fill what it leaves out from `defaults`; Invalid on anything unknown. */
export function resolveLogConfig(asked: Partial<LogConfig> | undefined, defaults: Readonly<Record<string, string>>): LogConfig {
  const type = asked?.type || DEFAULT_LOG_DRIVER;
  if (!DRIVERS.includes(type)) throw invalid(`logger: no log driver named '${type}' is registered`);
  const config = { ...asked?.config };
  for (const key of Object.keys(config)) {
    if (!OPTS.includes(key)) throw invalid(`unknown log opt '${key}' for ${type} log driver (supported: ${OPTS.join(', ')})`);
  }
  if (type !== 'none') for (const key of OPTS) config[key] ??= defaults[key] ?? DEFAULT_LOG_OPTS[key];
  logPolicy({ type, config });
  return { type, config };
}

/** A container's log config as recorded: checked with the engine's defaults filled in, but kept as asked (the driver named). */
export function containerLogConfig(asked: Partial<LogConfig> | undefined, defaults: Readonly<Record<string, string>>): LogConfig {
  const resolved = resolveLogConfig(asked, defaults);
  return { type: resolved.type, config: { ...asked?.config } };
}

/** The numbers behind a resolved log config. */
export function logPolicy(c: LogConfig): LogPolicy {
  const maxSize = parseLogSize(c.config['max-size'] ?? DEFAULT_LOG_OPTS['max-size']);
  const maxFile = parseMaxFile(c.config['max-file'] ?? DEFAULT_LOG_OPTS['max-file']);
  return { driver: c.type === 'none' ? 'none' : 'k8s-file', maxSize, maxFile };
}

/** Docker's FromHumanSize: `10m`, `1.5MB`, `512k`, `100` (bytes); units are powers of 1000. */
export function parseLogSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(v.trim());
  if (!m) throw invalid(`invalid max-size "${v}": use a size such as 10m, 512k or 1g (logs are always bounded)`);
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  const bytes = Math.floor(Number(m[1]) * 1000 ** power);
  if (bytes < MIN_LOG_SIZE) throw invalid(`max-size "${v}" is too small: the smallest is ${MIN_LOG_SIZE / 1024}k (one record of conmon's must fit)`);
  if (!Number.isSafeInteger(bytes)) throw invalid(`max-size "${v}" is too large`);
  return bytes;
}

function parseMaxFile(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) < 1) throw invalid(`invalid max-file "${v}": use a whole number of files, at least 1`);
  if (Number(v) > 1000) throw invalid(`max-file "${v}" is too large: at most 1000 files`);
  return Number(v);
}
