/** `tspaas network …`: Docker's network commands over the Engine API. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import * as connect from './connect.js';
import * as create from './create.js';
import * as disconnect from './disconnect.js';
import * as inspect from './inspect.js';
import * as ls from './ls.js';
import * as prune from './prune.js';
import * as rm from './rm.js';

/** Add `network` and its subcommands to the program. */
export function register(program: Command, app: App): void {
  const network = program.command('network').description('Manage networks');
  for (const c of [ls, create, inspect, rm, connect, disconnect, prune]) c.register(network, app);
}
