/**
 * Builds the command tree from the table in cli/commands/index.ts, loading
 * only the modules of the command that runs. The other commands are
 * placeholders with the table's help line, so help lists everything and
 * commander's "did you mean" still works. Which command runs is read from
 * argv before parsing (`commandWords`); if commander ever dispatches to a
 * placeholder anyway, it throws `NotLoaded` and runCli builds again with
 * that command loaded, so a wrong guess costs time, never behaviour.
 */
import { Command, Help } from './commander.js';
import type { CommandModule, CommandSpec, GroupSpec, LeafSpec } from './commands/index.js';
import type { App } from './context.js';

/** The command words to load (`['container', 'run']`, `['apps:create']`), or every command. */
export type Wanted = readonly string[] | 'all';

/** Thrown by a placeholder that commander dispatched to: the command `path` must be loaded first. */
export class NotLoaded extends Error {
  constructor(readonly path: readonly string[]) {
    super(`command "${path.join(' ')}" was not loaded`);
  }
}

/**
 * A command (or a group, with its subcommands) whose module is not loaded:
 * listed in help with the table's term; if commander runs it or shows its
 * help, it asks runCli to load it.
 */
class Placeholder extends Command {
  constructor(parent: Command, readonly path: readonly string[], aliases: string[], readonly term: string, summary: string) {
    super(path[path.length - 1]);
    this.copyInheritedSettings(parent).description(summary).aliases(aliases)
      .helpOption(false).allowUnknownOption().allowExcessArguments().argument('[args...]')
      .action(() => { throw new NotLoaded(path); });
  }

  override help(): never {
    throw new NotLoaded(this.path);
  }
}

/** Help that prints a placeholder's term from the table; set on the root so every command inherits it. */
export function lazyHelp(program: Command): Command {
  return program.configureHelp({
    subcommandTerm(cmd: Command): string {
      return cmd instanceof Placeholder ? cmd.term : Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
}

/**
 * The command words of `argv` (user arguments): the first one or two words
 * that are not options, skipping the value of `-H/--host` and the word
 * `help` (`help container`, `container help run`).
 */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '-H' || arg === '--host') i++;
    else if (!arg.startsWith('-') && arg !== 'help') words.push(arg); // `--` too: commander reads what follows as commands
  }
  return words;
}

/** Add `specs` under `parent`: the modules of the wanted commands registered, the rest as placeholders, in table order. */
export async function addCommands(parent: Command, app: App, specs: readonly CommandSpec[], wanted: Wanted, path: readonly string[] = []): Promise<void> {
  const loaded = await registerWanted(parent, app, specs, wanted);
  for (const spec of specs) {
    if ('group' in spec) {
      if (wanted === 'all' || wanted[0] === spec.group) await addGroup(parent, app, spec, wanted, path);
      else parent.addCommand(new Placeholder(parent, [...path, spec.group], [], spec.group, spec.summary));
    } else {
      const [name, ...aliases] = namesOf(spec);
      parent.addCommand(take(loaded, name!) ?? new Placeholder(parent, [...path, name!], aliases, spec.term, spec.summary));
    }
  }
  if (loaded.length) throw new Error(`internal: ${loaded.map((c) => c.name()).join(', ')} registered by a module but missing from cli/commands/index.ts`);
}

/** Load the modules of the wanted leaves (each once) and register them on a scratch parent with `parent`'s settings. */
async function registerWanted(parent: Command, app: App, specs: readonly CommandSpec[], wanted: Wanted): Promise<Command[]> {
  const leaves = specs.filter((s): s is LeafSpec => !('group' in s) && (wanted === 'all' || namesOf(s).includes(wanted[0] ?? '')));
  const modules = new Set<CommandModule>(await Promise.all(leaves.map((s) => s.load())));
  const scratch = new Command().copyInheritedSettings(parent);
  for (const m of modules) m.register(scratch, app);
  return [...scratch.commands];
}

async function addGroup(parent: Command, app: App, spec: GroupSpec, wanted: Wanted, path: readonly string[]): Promise<void> {
  const group = parent.command(spec.group).description(spec.summary);
  if (spec.positionalOptions) group.enablePositionalOptions();
  await addCommands(group, app, spec.commands, wanted === 'all' ? 'all' : wanted.slice(1), [...path, spec.group]);
}

/** Remove and return the loaded command called `name`. */
function take(loaded: Command[], name: string): Command | undefined {
  const i = loaded.findIndex((c) => c.name() === name);
  return i < 0 ? undefined : loaded.splice(i, 1)[0];
}

/** `rm|remove [options] …` → ['rm', 'remove']. */
function namesOf(spec: LeafSpec): string[] {
  return spec.term.split(' ', 1)[0]!.split('|');
}
