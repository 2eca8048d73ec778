/** The Dockerfile parser: what the builder calls. */
export { parseDockerfile } from './parse.js';
export { parseTrigger } from './checks.js';
export { parseError } from './errors.js';
export { commandForm, keyValueWords, parseDuration, parseJsonArray } from './forms.js';
export { lookupIn, processWord, processWords, splitWords, type Lookup } from './substitute.js';
export type { CommandForm, Dockerfile, Flags, Heredoc, Instruction, Stage } from './types.js';
