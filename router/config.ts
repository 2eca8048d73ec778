/**
 * tspaas-router's configuration: parsed once from argv and the environment by
 * router/main.ts, validated, frozen, and passed down (to workers through the
 * same parse: each worker runs main.ts with the primary's argv and env).
 * Flags win over environment variables, which win over the defaults.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { invalid } from '../lib/errors.js';
import { baseDomain, oneOf } from '../lib/flags.js';
import type { BalanceMode, DataPath, RouterConfig } from './types.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const BALANCE: readonly BalanceMode[] = ['round-robin', 'least-connections'];
const DATA_PATHS: readonly DataPath[] = ['fast', 'http-proxy'];

/** Usage text of tspaas-router. */
export const USAGE = `Usage: tspaas-router [options]

  --database-url <url>        PostgreSQL with the route table (DATABASE_URL; required)
  --bind <address>            address of the public listeners (default 0.0.0.0)
  --http-port <n>             plain HTTP port (TSPAAS_ROUTER_HTTP_PORT, default 80)
  --https-port <n>            HTTPS port, 0 = off (TSPAAS_ROUTER_HTTPS_PORT, default 443)
  --admin-port <n>            admin endpoint on 127.0.0.1, 0 = off (TSPAAS_ROUTER_ADMIN_PORT, default 9180)
  --workers <n>               worker processes (TSPAAS_ROUTER_WORKERS, default: one per core)
  --base-domain <domain>      apps answer on <app>.<domain> (TSPAAS_BASE_DOMAIN, default localhost)
  --state-dir <dir>           default certificate lives here (default $TSPAAS_ROOT/router or /var/lib/tspaas/router)
  --access-log <file|-|off>   JSON-lines access log (TSPAAS_ROUTER_ACCESS_LOG, default -: stdout)
  --balance <mode>            round-robin or least-connections (default round-robin)
  --connect-timeout <ms>      default connect timeout (5000)
  --request-timeout <ms>      default time to the first response byte (30000)
  --idle-timeout <ms>         default silence allowed once a response streams (55000)
  --drain-grace <ms>          removed backends' requests and WebSockets get this long (30000)
  --backend-down <ms>         a refused backend is skipped this long (2000)
  --max-sockets <n>           keep-alive sockets per backend and worker (256)
  --backend-keep-alive <ms>   idle keep-alive connections to a backend close after this (60000)
  --keep-alive-timeout <ms>   idle client connections close after this (65000)
  --headers-timeout <ms>      a request head must arrive within this (10000)
  --max-header-size <bytes>   largest request head (16384; 431 above)
  --max-connections <n>       open client connections per worker (10000; more are refused)
  --max-connections-per-ip <n>  open client connections per worker from one address (1000)
  --data-path <path>          fast or http-proxy (TSPAAS_ROUTER_DATA_PATH, default fast)
  --log-level <level>         fatal, error, warn, info, debug, trace, silent (TSPAAS_LOG_LEVEL, default info)
  -h, --help                  show this help
`;

/** What argv asked for: run, or print the help. */
export type RouterCommand = { kind: 'run'; config: Readonly<RouterConfig> } | { kind: 'help' };

const OPTIONS = {
  'database-url': { type: 'string' }, bind: { type: 'string' }, 'http-port': { type: 'string' }, 'https-port': { type: 'string' },
  'admin-port': { type: 'string' }, workers: { type: 'string' }, 'base-domain': { type: 'string' }, 'state-dir': { type: 'string' },
  'access-log': { type: 'string' }, balance: { type: 'string' }, 'connect-timeout': { type: 'string' },
  'request-timeout': { type: 'string' }, 'idle-timeout': { type: 'string' }, 'drain-grace': { type: 'string' },
  'backend-down': { type: 'string' }, 'max-sockets': { type: 'string' }, 'backend-keep-alive': { type: 'string' }, 'keep-alive-timeout': { type: 'string' },
  'headers-timeout': { type: 'string' }, 'max-header-size': { type: 'string' },
  'max-connections': { type: 'string' }, 'max-connections-per-ip': { type: 'string' }, 'data-path': { type: 'string' }, 'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parse and validate argv (without node and script) and the environment into a frozen config. */
export function parseRouterArgs(argv: string[], env: Readonly<Record<string, string | undefined>>): RouterCommand {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw invalid(`${(err as Error).message}\n\n${USAGE}`, err);
  }
  if (values.help) return { kind: 'help' };
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL;
  if (!databaseUrl) throw invalid('no database: set DATABASE_URL or --database-url');
  const n = (flag: keyof typeof OPTIONS, envValue: string | undefined, fallback: number, min = 1) =>
    integer(String(values[flag] ?? envValue ?? fallback), `--${flag}`, min);
  const accessLog = values['access-log'] ?? env.TSPAAS_ROUTER_ACCESS_LOG ?? '-';
  const config: RouterConfig = {
    databaseUrl,
    bindAddress: values.bind ?? '0.0.0.0',
    httpPort: n('http-port', env.TSPAAS_ROUTER_HTTP_PORT, 80, 0),
    httpsPort: n('https-port', env.TSPAAS_ROUTER_HTTPS_PORT, 443, 0),
    adminPort: n('admin-port', env.TSPAAS_ROUTER_ADMIN_PORT, 9180, 0),
    workers: n('workers', env.TSPAAS_ROUTER_WORKERS, os.availableParallelism()),
    baseDomain: baseDomain(values['base-domain'] ?? env.TSPAAS_BASE_DOMAIN ?? 'localhost'),
    stateDir: path.resolve(values['state-dir'] ?? path.join(env.TSPAAS_ROOT ?? '/var/lib/tspaas', 'router')),
    accessLog: accessLog === 'off' ? null : accessLog,
    logLevel: oneOf(values['log-level'] ?? env.TSPAAS_LOG_LEVEL ?? 'info', LOG_LEVELS, '--log-level'),
    keepAliveTimeoutMs: n('keep-alive-timeout', undefined, 65_000),
    headersTimeoutMs: n('headers-timeout', undefined, 10_000),
    maxHeaderBytes: n('max-header-size', undefined, 16_384, 1024),
    maxConnections: n('max-connections', undefined, 10_000),
    maxConnectionsPerAddress: n('max-connections-per-ip', undefined, 1_000),
    dataPath: oneOf(values['data-path'] ?? (env.TSPAAS_ROUTER_DATA_PATH || 'fast'), DATA_PATHS, '--data-path'),
    proxy: Object.freeze({
      connectTimeoutMs: n('connect-timeout', undefined, 5_000),
      requestTimeoutMs: n('request-timeout', undefined, 30_000),
      idleTimeoutMs: n('idle-timeout', undefined, 55_000),
      balance: oneOf(values.balance ?? 'round-robin', BALANCE, '--balance'),
      backendDownMs: n('backend-down', undefined, 2_000),
      drainGraceMs: n('drain-grace', undefined, 30_000, 0),
      maxSocketsPerBackend: n('max-sockets', undefined, 256),
      maxIdleSocketsPerBackend: Math.min(n('max-sockets', undefined, 256), 64),
      backendKeepAliveMs: n('backend-keep-alive', undefined, 60_000),
    }),
  };
  return { kind: 'run', config: Object.freeze(config) };
}

function integer(value: string, flag: string, min: number): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) throw invalid(`invalid ${flag} "${value}": use an integer ≥ ${min}`);
  return v;
}
