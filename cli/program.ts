/**
 * The `tspaas` command tree. Global options (`-H`, `--json`) go before the
 * command; `--json` is also accepted by every command. Exit codes: the
 * container's (or exec's) own code for run/start -a/attach/exec/wait, 125 when
 * tspaas itself or the engine failed (like `docker run`), 1 when some of
 * several refs failed.
 */
import { Command, CommanderError } from 'commander';
import { App, ExitError, type CliConfig, type CliIO } from './context.js';
import * as build from './commands/build.js';
import * as container from './commands/container/index.js';
import * as image from './commands/image/index.js';
import * as network from './commands/network/index.js';
import * as platform from './commands/platform/index.js';
import * as system from './commands/system/index.js';
import * as volume from './commands/volume/index.js';

/** Build the program; commands run against `app`'s config and stdio. */
export function buildProgram(app: App): Command {
  const program = new Command('tspaas')
    .description('tspaas: a self-hosted platform with its own container engine')
    .version(app.config.version, '-v, --version', 'print the version and exit')
    .option('-H, --host <unix:///path>', `engine socket (env TSPAAS_ENGINE_SOCK, default ${app.config.socketPath})`)
    .option('--json', 'print JSON instead of tables and progress')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => app.io.stdout.write(s),
      writeErr: (s) => app.io.stderr.write(s),
      outputError: (s, write) => write(`tspaas: ${s.replace(/^error: /, '')}`),
    });
  for (const group of [container, image, network, volume, system, build, platform]) group.register(program, app);
  addJsonEverywhere(program);
  return program;
}

/** Run the CLI with user arguments (no node/script); returns the exit code. */
export async function runCli(argv: string[], config: CliConfig, io: CliIO): Promise<number> {
  const app = new App(config, io);
  try {
    await buildProgram(app).parseAsync(argv, { from: 'user' });
    return app.exitCode;
  } catch (err) {
    if (err instanceof ExitError) return err.code;
    if (err instanceof CommanderError) return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? err.exitCode : 125;
    io.stderr.write(`tspaas: ${err instanceof Error ? err.message : String(err)}\n`);
    return 125;
  }
}

function addJsonEverywhere(cmd: Command): void {
  for (const sub of cmd.commands) {
    if (sub.commands.length) addJsonEverywhere(sub);
    else if (!sub.options.some((o) => o.long === '--json')) sub.option('--json', 'print JSON instead of tables and progress');
  }
}
