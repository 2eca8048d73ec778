/**
 * `--security-opt` of `container run`/`create`, as Docker's CLI sends it
 * (the engine checks every entry again: runtime/containers/security-opts.ts).
 */
import path from 'node:path';
import { invalid } from '../lib/errors.js';

/** What reading a `seccomp=<file>` profile needs: the working dir and a file reader (run-options.ts's ParseEnv is one). */
export interface ProfileReader {
  cwd: string;
  readFile: (file: string) => string;
}

/**
 * `--security-opt` as Docker's CLI sends it: `seccomp=<file>` becomes
 * `seccomp=<the file's JSON, compacted>` (the engine never reads client
 * files); `unconfined` and `builtin` pass as they are; every entry but the
 * bare `no-new-privileges` needs a value. The engine checks the rest.
 */
export function parseSecurityOpts(opts: string[], penv: ProfileReader): string[] | undefined {
  if (opts.length === 0) return undefined;
  return opts.map((opt) => {
    const sep = opt.includes('=') ? '=' : ':';
    const i = opt.indexOf(sep);
    const [key, value] = i < 0 ? [opt, ''] : [opt.slice(0, i), opt.slice(i + 1)];
    if (key === 'no-new-privileges') return opt;
    if (!value) throw invalid(`invalid --security-opt: "${opt}": use key=value`);
    if (key !== 'seccomp' || value === 'unconfined' || value === 'builtin') return opt;
    return `seccomp=${seccompFileJson(value, penv)}`;
  });
}

function seccompFileJson(file: string, penv: ProfileReader): string {
  let text: string;
  try {
    text = penv.readFile(path.resolve(penv.cwd, file));
  } catch (err) {
    throw invalid(`opening seccomp profile (${file}) failed: ${(err as Error).message}`, err);
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw invalid(`seccomp profile (${file}) is not valid JSON: ${(err as Error).message}`, err);
  }
  return compactJson(text);
}

/** Drop the whitespace between JSON tokens (as Go's json.Compact), leaving numbers as written (64-bit masks lose nothing). */
function compactJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!/\s/.test(ch)) {
      out += ch;
    }
  }
  return out;
}
