/**
 * A Dockerfile as data. The parser (parse.ts) follows the Dockerfile
 * reference and BuildKit's parser, which the classic builder shares:
 *
 * - *parser directives* (`# escape=\``, `# syntax=…`, `# check=…`) are read
 *   only before the first comment, blank line or instruction;
 * - the escape character (default `\`) at the end of a line (trailing blanks
 *   allowed) continues the instruction on the next line; the escape and the
 *   newline are removed and nothing is put in their place; comment lines and
 *   blank lines inside a continuation are skipped;
 * - `#` starts a comment only as the first non-blank character of a line;
 * - instruction names are case-insensitive;
 * - heredocs (`RUN <<EOF`, `<<-EOF`, `<<"EOF"`) on RUN, COPY and ADD take the
 *   following lines up to the delimiter line.
 *
 * Parsing checks the syntax of each instruction (its flags, JSON forms,
 * argument counts); values are kept *raw*, because variable substitution
 * (substitute.ts) depends on ARG and ENV values known only while building.
 * Every syntax error is `Invalid` with `dockerfile parse error on line N: …`.
 */

/** A `--name=value` flag of an instruction (`--name` alone has value `true`). */
export type Flags = Record<string, string | true>;

/** A heredoc body attached to an instruction. */
export interface Heredoc {
  /** The delimiter word (`EOF`). */
  name: string;
  /** The lines between the instruction and the delimiter, each with its newline. */
  content: string;
  /** The delimiter was quoted: no variable expansion in the content. */
  quoted: boolean;
  /** `<<-`: leading tabs were stripped. */
  chomp: boolean;
}

/** Arguments in shell form (one raw string) or exec/JSON form (a list). */
export type CommandForm = { form: 'shell'; text: string } | { form: 'exec'; args: string[] };

/** One instruction, as written. */
export interface Instruction {
  /** Upper-case name: FROM, RUN, COPY… */
  name: string;
  /** First line of the instruction (1-based). */
  line: number;
  /** Last line, including continuations and heredocs. */
  endLine: number;
  /** The instruction as written, continuations joined (for `Step n/m : …`). */
  original: string;
  flags: Flags;
  /** Everything after the name and the flags, continuations joined, trimmed. */
  args: string;
  heredocs: Heredoc[];
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  /** Parser directives by lower-case name. */
  directives: Record<string, string>;
  escape: '\\' | '`';
  /** ARG instructions before the first FROM (global, usable in FROM lines). */
  metaArgs: Instruction[];
  stages: Stage[];
}

/** One build stage: a FROM and what follows it. */
export interface Stage {
  /** `FROM … AS name` (lower-cased), if any. */
  name?: string;
  index: number;
  from: Instruction;
  instructions: Instruction[];
}
