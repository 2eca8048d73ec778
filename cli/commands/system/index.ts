/** Top-level commands about tspaas itself: up, down, version, info. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import * as down from './down.js';
import * as info from './info.js';
import * as up from './up.js';
import * as version from './version.js';

/** Add the system commands to the program. */
export function register(program: Command, app: App): void {
  for (const c of [up, down, version, info]) c.register(program, app);
}
