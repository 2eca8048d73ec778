#!/usr/bin/env node
/**
 * `tspaasd` entry point: the only place that reads argv and the environment.
 * Starts the services in order (today: the engine and its API socket; the
 * platform API, git receiver and workers join the list later), writes the pid
 * file, and on SIGTERM/SIGINT closes them in reverse order. Containers keep
 * running: they live under their conmon monitors.
 */
import { readFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { TspaasError, conflict, isKind } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/fs.js';
import { createEngine } from '../runtime/engine.js';
import { prepareHost } from '../runtime/host.js';
import { serveEngineApi } from '../runtime/api/server.js';
import { parseDaemonArgs, USAGE, type DaemonConfig } from './config.js';
import { buildpackBuilder } from '../buildpacks/serve.js';

/** A running part of tspaasd. */
interface Service {
  name: string;
  close(): Promise<void>;
}

const command = parseOrExit();
if (command.kind === 'help') process.stdout.write(USAGE);
if (command.kind === 'version') process.stdout.write(`tspaasd ${packageVersion()}\n`);
if (command.kind === 'run') await main(command.config);

async function main(config: Readonly<DaemonConfig>): Promise<void> {
  const log = pino({ name: 'tspaasd', level: config.logLevel }, pino.destination({ fd: 2, sync: true }));
  process.on('unhandledRejection', (err) => { log.fatal({ err }, 'unhandled rejection'); process.exit(1); });
  const services: Service[] = [];
  try {
    await claimPidFile(config.pidFile);
    services.push(await startEngine(config, log));
  } catch (err) {
    log.fatal({ err }, err instanceof TspaasError ? err.message : 'tspaasd failed to start');
    await closeAll(services, log);
    if (!isKind(err, 'Conflict')) await fsp.rm(config.pidFile, { force: true });
    process.exit(1);
  }
  log.info({ socket: config.socketPath, root: config.root, pid: process.pid, version: config.version }, 'tspaasd ready');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down; containers keep running');
    void closeAll(services, log).then(() => fsp.rm(config.pidFile, { force: true })).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** The engine and its API socket. */
async function startEngine(config: Readonly<DaemonConfig>, log: Logger): Promise<Service> {
  const prepared = await prepareHost();
  for (const action of prepared.actions) log.info({ action }, 'host prepared');
  const engine = await createEngine(config.engine);
  const api = await serveEngineApi(engine, {
    socketPath: config.socketPath, socketGroup: config.socketGroup, version: config.version, logger: log.child({ part: 'engine-api' }),
    sourceBuilder: buildpackBuilder(engine, path.join(config.root, 'platform', 'build-caches')),
  }).catch(async (err: unknown) => { await engine.close(); throw err; });
  log.info({ runtime: engine.config.runtime, root: config.engine.root }, 'engine started');
  return { name: 'engine', close: async () => { await api.close(); await engine.close(); } };
}

/** Refuse to start next to a live tspaasd; otherwise write our pid. */
async function claimPidFile(pidFile: string): Promise<void> {
  const old = Number((await fsp.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (old > 0 && old !== process.pid && isAlive(old)) throw conflict(`tspaasd is already running (pid ${old}, ${pidFile})`);
  await fsp.mkdir(path.dirname(pidFile), { recursive: true });
  await writeFileAtomic(pidFile, `${process.pid}\n`);
}

async function closeAll(services: Service[], log: Logger): Promise<void> {
  for (const s of [...services].reverse()) {
    await s.close().catch((err: unknown) => log.error({ err, service: s.name }, 'close failed'));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOrExit(): ReturnType<typeof parseDaemonArgs> {
  try {
    return parseDaemonArgs(process.argv.slice(2), process.env, packageVersion());
  } catch (err) {
    process.stderr.write(`tspaasd: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

/** The version in the nearest package.json above this file (works from dist/ and from source). */
function packageVersion(): string {
  for (let d = path.dirname(fileURLToPath(import.meta.url)); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      return (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')) as { version: string }).version;
    } catch { /* keep looking */ }
  }
  return '0.0.0';
}
