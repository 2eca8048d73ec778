#!/usr/bin/env node
/**
 * `tspaas-router` entry point: the only place that reads argv and the
 * environment. The same file runs as the cluster's primary (control plane:
 * PostgreSQL, workers, admin endpoint) and as each worker (the listeners);
 * workers parse the same argv and environment they inherit.
 */
import cluster from 'node:cluster';
import { pino } from 'pino';
import { parseRouterArgs, USAGE } from './config.js';

const command = parseOrExit();
if (command.kind === 'help') process.stdout.write(USAGE);
else {
  const config = command.config;
  const name = cluster.isPrimary ? 'tspaas-router' : `tspaas-router/${cluster.worker!.id}`;
  const log = pino({ name, level: config.logLevel }, pino.destination({ fd: 2, sync: true }));
  process.on('unhandledRejection', (err) => { log.fatal({ err }, 'unhandled rejection'); process.exit(1); });
  try {
    // Each role loads only its own code: workers never load pg, the primary never http-proxy.
    if (cluster.isPrimary) await (await import('./primary.js')).runPrimary(config, log);
    else await (await import('./worker.js')).runWorker(config, log, cluster.worker!.id);
  } catch (err) {
    log.fatal({ err }, (err as Error).message);
    process.exit(1);
  }
}

function parseOrExit(): ReturnType<typeof parseRouterArgs> {
  try {
    return parseRouterArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`tspaas-router: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
