/**
 * Dockerfile text → instructions grouped in stages (see types.ts for the
 * rules). Syntax of each instruction is checked by checks.ts.
 */
import { invalid } from '../../../lib/errors.js';
import { checkInstruction, INSTRUCTIONS } from './checks.js';
import { parseError } from './errors.js';
import type { Dockerfile, Flags, Heredoc, Instruction, Stage } from './types.js';

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = ['escape', 'syntax', 'check'];
const HEREDOC_INSTRUCTIONS = ['RUN', 'COPY', 'ADD'];
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g;

/** Parse a whole Dockerfile. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { directives, next } = readDirectives(lines);
  const escape = directives.escape === '`' ? '`' : '\\';
  const instructions = readInstructions(lines, next, escape);
  return { directives, escape, ...groupStages(instructions) };
}

function readDirectives(lines: string[]): { directives: Record<string, string>; next: number } {
  const directives: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    const key = m?.[1].toLowerCase();
    if (!m || !key || !KNOWN_DIRECTIVES.includes(key)) break;
    if (directives[key] !== undefined) throw parseError(i + 1, `only one ${key} parser directive can be used`);
    if (key === 'escape' && m[2] !== '\\' && m[2] !== '`') throw parseError(i + 1, `invalid escape token '${m[2]}' does not match \` or \\`);
    directives[key] = m[2];
  }
  return { directives, next: i };
}

const isSkipped = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');

function readInstructions(lines: string[], start: number, escape: string): Instruction[] {
  const continuation = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const out: Instruction[] = [];
  for (let i = start; i < lines.length; i++) {
    if (isSkipped(lines[i])) continue;
    const first = i;
    let text = lines[i].trimStart();
    while (continuation.test(text) && i + 1 < lines.length) {
      text = text.replace(continuation, '');
      do i++; while (i + 1 < lines.length && isSkipped(lines[i]));
      if (!isSkipped(lines[i])) text += lines[i];
    }
    text = text.replace(continuation, '');
    const ins = splitInstruction(text, first + 1);
    ins.endLine = i + 1;
    i = readHeredocs(ins, lines, i);
    out.push(checkInstruction(ins, escape));
  }
  return out;
}

function splitInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim())!;
  const name = m[1].toUpperCase();
  if (!INSTRUCTIONS.includes(name)) throw parseError(line, `unknown instruction: ${m[1]}`);
  const { flags, rest } = name === 'ONBUILD' ? { flags: {}, rest: m[2] } : readFlags(m[2], line);
  return { name, line, endLine: line, original: text.trim(), flags, args: rest.trim(), heredocs: [] };
}

/** Leading `--name=value` / `--name` words. */
function readFlags(text: string, line: number): { flags: Flags; rest: string } {
  const flags: Flags = {};
  let rest = text;
  for (;;) {
    const m = /^--([A-Za-z][A-Za-z0-9-]*)(?:=("[^"]*"|'[^']*'|\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    if (m[1] in flags && m[1] !== 'mount') throw parseError(line, `Duplicate flag specified: ${m[1]}`);
    flags[m[1]] = m[2] === undefined ? true : m[2].replace(/^(["'])(.*)\1$/, '$2');
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** Take the heredoc bodies that follow line `i`; returns the last line used. */
function readHeredocs(ins: Instruction, lines: string[], i: number): number {
  if (!HEREDOC_INSTRUCTIONS.includes(ins.name)) return i;
  for (const m of ins.args.matchAll(HEREDOC)) {
    const doc: Heredoc = { name: m[3], content: '', quoted: m[2] !== '', chomp: m[1] === '-' };
    for (;;) {
      i++;
      if (i >= lines.length) throw parseError(ins.line, `unterminated heredoc ${doc.name}`);
      const line = doc.chomp ? lines[i].replace(/^\t+/, '') : lines[i];
      if (line === doc.name) break;
      doc.content += `${line}\n`;
    }
    ins.heredocs.push(doc);
  }
  ins.endLine = i + 1;
  return i;
}

function groupStages(instructions: Instruction[]): Pick<Dockerfile, 'metaArgs' | 'stages'> {
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.name === 'FROM') {
      const words = ins.args.split(/\s+/);
      stages.push({ from: ins, index: stages.length, instructions: [], name: words.length === 3 ? words[2].toLowerCase() : undefined });
    } else if (stages.length > 0) {
      stages[stages.length - 1].instructions.push(ins);
    } else if (ins.name === 'ARG') {
      metaArgs.push(ins);
    } else {
      throw parseError(ins.line, 'no build stage in current context');
    }
  }
  if (stages.length === 0) throw invalid(instructions.length === 0 ? 'the Dockerfile cannot be empty' : 'dockerfile parse error: no FROM instruction');
  checkStageNames(stages);
  return { metaArgs, stages };
}

function checkStageNames(stages: Stage[]): void {
  const seen = new Set<string>();
  for (const s of stages) {
    if (!s.name) continue;
    if (seen.has(s.name)) throw parseError(s.from.line, `duplicate stage name "${s.name}"`);
    seen.add(s.name);
  }
}
