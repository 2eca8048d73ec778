/**
 * Procfile parsing by Heroku's rules: one `name: command` per line; names are
 * letters, digits, `_` and `-`; blank lines and lines starting with `#` are
 * skipped; a later line for the same name replaces the earlier one. Any other
 * line is an error that names it. `release` is the release-phase command,
 * kept apart from the process types.
 */
import { invalid } from '../lib/errors.js';

export interface Procfile {
  /** Process types in file order, without `release`. */
  processTypes: Record<string, string>;
  /** The `release:` command, if any. */
  release?: string;
}

const LINE = /^([A-Za-z0-9_-]+):\s*(.*?)\s*$/;

/** Parse a Procfile's text; `Invalid` names the first bad line. */
export function parseProcfile(text: string): Procfile {
  const processTypes: Record<string, string> = {};
  let release: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) throw invalid(`Procfile line ${i + 1} is not "name: command": ${JSON.stringify(raw)}`);
    if (m[2] === '') throw invalid(`Procfile line ${i + 1} has no command for "${m[1]}"`);
    if (m[1] === 'release') release = m[2];
    else processTypes[m[1]] = m[2];
  });
  return { processTypes, release };
}
