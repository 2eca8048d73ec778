/** `tspaas volume …`: Docker's volume commands over the Engine API. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import * as create from './create.js';
import * as inspect from './inspect.js';
import * as ls from './ls.js';
import * as prune from './prune.js';
import * as rm from './rm.js';

/** Add `volume` and its subcommands to the program. */
export function register(program: Command, app: App): void {
  const volume = program.command('volume').description('Manage volumes');
  for (const c of [ls, create, inspect, rm, prune]) c.register(volume, app);
}
