/**
 * The `tspaas` command tree. Global options (`-H`, `--json`) go before the
 * command; `--json` is also accepted by every command. Exit codes: the
 * container's (or exec's) own code for run/start -a/attach/exec/wait, 125 when
 * tspaas itself or the engine failed (like `docker run`), 1 when some of
 * several refs failed.
 */
import { Command, CommanderError } from './commander.js';
import { COMMANDS } from './commands/index.js';
import { App, ExitError, type CliConfig, type CliIO } from './context.js';
import { addCommands, commandWords, lazyHelp, NotLoaded, type Wanted } from './lazy-commands.js';

/** Build the program with the modules of the `wanted` commands loaded; commands run against `app`'s config and stdio. */
export async function buildProgram(app: App, wanted: Wanted): Promise<Command> {
  const program = lazyHelp(new Command('tspaas'))
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
  await addCommands(program, app, COMMANDS, wanted);
  addJsonEverywhere(program);
  return program;
}

/** Run the CLI with user arguments (no node/script); returns the exit code. `wanted`: the commands to load before parsing. */
export async function runCli(argv: string[], config: CliConfig, io: CliIO, wanted: Wanted = commandWords(argv)): Promise<number> {
  const app = new App(config, io);
  try {
    await parseWith(app, argv, wanted);
    return app.exitCode;
  } catch (err) {
    if (err instanceof ExitError) return err.code;
    if (err instanceof CommanderError) return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? err.exitCode : 125;
    io.stderr.write(`tspaas: ${err instanceof Error ? err.message : String(err)}\n`);
    return 125;
  }
}

/**
 * Parse with the guessed command loaded; if commander reached a command (or
 * group) that was not, again with it loaded. Commander follows one path for
 * one argv, and each retry loads a longer part of it: at most two retries.
 */
async function parseWith(app: App, argv: string[], wanted: Wanted): Promise<void> {
  try {
    await (await buildProgram(app, wanted)).parseAsync(argv, { from: 'user' });
  } catch (err) {
    const loadedAlready = (path: readonly string[]) => wanted === 'all' || path.every((w, i) => wanted[i] === w);
    if (!(err instanceof NotLoaded) || loadedAlready(err.path)) throw err;
    await parseWith(app, argv, err.path);
  }
}

function addJsonEverywhere(cmd: Command): void {
  for (const sub of cmd.commands) {
    if (sub.commands.length) addJsonEverywhere(sub);
    else if (!sub.options.some((o) => o.long === '--json')) sub.option('--json', 'print JSON instead of tables and progress');
  }
}
