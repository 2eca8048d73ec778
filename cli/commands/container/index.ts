/** `tspaas container …`: Docker's container commands over the Engine API. */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import * as attach from './attach.js';
import * as commit from './commit.js';
import * as cp from './cp.js';
import * as create from './create.js';
import * as diff from './diff.js';
import * as exec from './exec.js';
import * as exportCmd from './export.js';
import * as inspect from './inspect.js';
import * as kill from './kill.js';
import * as logs from './logs.js';
import * as pause from './pause.js';
import * as port from './port.js';
import * as prune from './prune.js';
import * as ps from './ps.js';
import * as rename from './rename.js';
import * as restart from './restart.js';
import * as rm from './rm.js';
import * as run from './run.js';
import * as start from './start.js';
import * as stats from './stats.js';
import * as stop from './stop.js';
import * as top from './top.js';
import * as wait from './wait.js';

const COMMANDS = [run, create, start, stop, kill, restart, rm, wait, pause, rename, ps, prune, logs, exec, port, top, stats, cp, inspect, commit, diff, exportCmd, attach];

/** Add `container` and its subcommands to the program. */
export function register(program: Command, app: App): void {
  const container = program.command('container').description('Manage containers')
    .enablePositionalOptions(); // lets run/create/exec stop parsing options at the image or container
  for (const c of COMMANDS) c.register(container, app);
}
