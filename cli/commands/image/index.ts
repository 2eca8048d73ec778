/** `tspaas image …`: Docker's image commands over the Engine API. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import * as build from './build.js';
import * as history from './history.js';
import * as importCmd from './import.js';
import * as inspect from './inspect.js';
import * as load from './load.js';
import * as ls from './ls.js';
import * as prune from './prune.js';
import * as pull from './pull.js';
import * as push from './push.js';
import * as rm from './rm.js';
import * as save from './save.js';
import * as tag from './tag.js';

/** Add `image` and its subcommands to the program. */
export function register(program: Command, app: App): void {
  const image = program.command('image').description('Manage images');
  for (const c of [ls, inspect, history, tag, rm, prune, save, load, importCmd, pull, push, build]) c.register(image, app);
}
