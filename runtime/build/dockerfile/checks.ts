/**
 * Syntax checks of each instruction, as a table: name → allowed flags and a
 * check of the arguments. Everything that does not depend on variables is
 * checked here, so a bad Dockerfile fails before any step runs.
 */
import { commandForm, keyValueWords, parseDuration, parseJsonArray } from './forms.js';
import { parseError } from './errors.js';
import type { Instruction } from './types.js';

type Check = (ins: Instruction, escape: string) => string | undefined;

interface Rule {
  flags: string[];
  /** Returns an error message, or undefined when the arguments are fine. */
  check?: Check;
  /** May have no arguments. */
  empty?: boolean;
}

const STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;

const checkFrom: Check = (ins) => {
  const words = ins.args.split(/\s+/);
  if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) return 'FROM requires either one or three arguments';
  if (words.length === 3 && !STAGE_NAME.test(words[2].toLowerCase())) return `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`;
  return undefined;
};

const checkPairs = (ins: Instruction, escape: string): string | undefined => {
  const { pairs, bad } = keyValueWords(ins.args, escape);
  if (bad !== undefined) return `Syntax error - can't find = in "${bad}". Must be of the form: name=value`;
  if (pairs.some(([k]) => k === '')) return `${ins.name} names can not be blank`;
  if (pairs.length === 1 && pairs[0][1] === '' && !ins.args.includes('=')) return `${ins.name} must have two arguments`;
  return undefined;
};

const checkShell: Check = (ins) => (parseJsonArray(ins.args) ? undefined : 'SHELL requires the arguments to be in JSON form');

const checkOne: Check = (ins) => (ins.args.split(/\s+/).length === 1 ? undefined : `${ins.name} requires exactly one argument`);

const checkCopy: Check = (ins) => {
  const list = parseJsonArray(ins.args);
  const count = list ? list.length : ins.args.split(/\s+/).length;
  return count + (ins.args.includes('<<') ? 1 : 0) >= 2 ? undefined : `${ins.name} requires at least two arguments, but only one was provided. Destination could not be determined`;
};

const checkArg: Check = (ins) => (ins.args.split(/\s+/).every((w) => /^[^=\s]+(=.*)?$/.test(w)) ? undefined : `ARG requires at least one argument`);

const checkHealthcheck: Check = (ins) => {
  const [type, ...rest] = ins.args.split(/\s+/);
  if (type.toUpperCase() === 'NONE') return rest.length ? 'HEALTHCHECK NONE takes no arguments' : undefined;
  if (type.toUpperCase() !== 'CMD') return `Unknown type "${type.toUpperCase()}" in HEALTHCHECK (try CMD)`;
  if (!rest.length) return 'Missing command after HEALTHCHECK CMD';
  for (const f of ['interval', 'timeout', 'start-period', 'start-interval']) {
    const v = ins.flags[f];
    if (v !== undefined && (typeof v !== 'string' || parseDuration(v) === null)) return `invalid duration for --${f}: ${String(v)}`;
  }
  const r = ins.flags.retries;
  if (r !== undefined && !(typeof r === 'string' && /^\d+$/.test(r) && Number(r) > 0)) return `--retries must be at least 1`;
  return undefined;
};

const checkRun: Check = (ins) => {
  for (const f of ['mount', 'network', 'security']) if (ins.flags[f] !== undefined) return `the --${f} option requires BuildKit`;
  commandForm(ins.args);
  return undefined;
};

const checkOnbuild: Check = (ins, escape) => {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(ins.args);
  const inner = m?.[1].toUpperCase() ?? '';
  if (inner === 'ONBUILD') return 'ONBUILD ONBUILD is not allowed';
  if (inner === 'FROM' || inner === 'MAINTAINER') return `${inner} isn't allowed as an ONBUILD trigger`;
  parseTrigger(ins.args, ins.line, escape);
  return undefined;
};

const RULES: Record<string, Rule> = {
  FROM: { flags: ['platform'], check: checkFrom },
  RUN: { flags: ['mount', 'network', 'security'], check: checkRun },
  CMD: { flags: [], empty: true },
  ENTRYPOINT: { flags: [], empty: true },
  SHELL: { flags: [], check: checkShell },
  ENV: { flags: [], check: checkPairs },
  LABEL: { flags: [], check: checkPairs },
  ARG: { flags: [], check: checkArg },
  EXPOSE: { flags: [] },
  COPY: { flags: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'], check: checkCopy },
  ADD: { flags: ['chown', 'chmod', 'checksum', 'keep-git-dir', 'link', 'exclude'], check: checkCopy },
  // The rest of the line is one path, spaces included (moby parses WORKDIR as one string).
  WORKDIR: { flags: [] },
  USER: { flags: [], check: checkOne },
  VOLUME: { flags: [] },
  STOPSIGNAL: { flags: [], check: checkOne },
  HEALTHCHECK: { flags: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'], check: checkHealthcheck },
  ONBUILD: { flags: [], check: checkOnbuild },
  MAINTAINER: { flags: [] },
};

/** Every instruction name the parser knows. */
export const INSTRUCTIONS = Object.keys(RULES);

/** Check one instruction's flags and arguments; throws a parse error naming its line. */
export function checkInstruction(ins: Instruction, escape: string): Instruction {
  const rule = RULES[ins.name];
  for (const f of Object.keys(ins.flags)) if (!rule.flags.includes(f)) throw parseError(ins.line, `Unknown flag: ${f}`);
  if (!ins.args && !rule.empty && !ins.heredocs.length) throw parseError(ins.line, `${ins.name} requires at least one argument`);
  const message = ins.args ? rule.check?.(ins, escape) : undefined;
  if (message) throw parseError(ins.line, message);
  return ins;
}

/** An ONBUILD trigger (`RUN echo hi`) as an instruction of its own, checked. */
export function parseTrigger(text: string, line: number, escape: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  const name = m?.[1].toUpperCase() ?? '';
  if (!RULES[name]) throw parseError(line, `unknown instruction: ${m?.[1] ?? text}`);
  const flagsEnd = /^((?:--[A-Za-z][A-Za-z0-9-]*(?:=\S*)?\s+)*)([\s\S]*)$/.exec(m![2])!;
  const flags: Record<string, string | true> = {};
  for (const f of flagsEnd[1].trim().split(/\s+/).filter(Boolean)) {
    const [k, ...v] = f.slice(2).split('=');
    flags[k] = v.length ? v.join('=') : true;
  }
  return checkInstruction({ name, line, endLine: line, original: text.trim(), flags, args: flagsEnd[2].trim(), heredocs: [] }, escape);
}
