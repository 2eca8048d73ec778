/**
 * The exit paths of the python and go buildpacks, enumerated from their
 * sources (issue 14 item 3: no silent failure): bin/compile runs under
 * `set -euo pipefail` with lib/fail.sh sourced first (its ERR trap names any
 * unexpected failing command), nothing but `fail` exits non-zero, and every
 * `fail` message (and every lockfile.py message) is asserted word for word by
 * python.test.ts or go.test.ts, except the few listed below with the reason
 * no test can cause them.
 */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve('buildpacks');

/** Failures a test cannot cause on a working build stack, by the literal text of their message. */
const UNTESTED: Record<string, string> = {
  'could not create the virtualenv at /app/.venv: ': 'needs a build stack whose python3 -m venv is broken',
};

async function sources(bp: string): Promise<Record<string, string>> {
  const files = [path.join(bp, 'bin/compile'), ...(await fsp.readdir(path.join(ROOT, bp, 'lib'))).map((f) => path.join(bp, 'lib', f))];
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await fsp.readFile(path.join(ROOT, f), 'utf8')])));
}

/** The longest literal run of a message (variables, $(…) and escapes cut out), trimmed of punctuation. */
function literal(message: string): string {
  const pieces = message.split(/\$\{[^}]*\}|\$\([^)]*\)+|\$\w+|\\`|\{[^}]*\}|"/);
  const longest = pieces.reduce((a, b) => (b.length > a.length ? b : a), '');
  return longest.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9.:; -]+$/, '');
}

/** Messages given to `fail` in shell (the same line, or the next after a `\` continuation) and to LockfileError. */
function messages(text: string): string[] {
  const shell = [...text.matchAll(/\bfail \\?\n?\s*"((?:[^"\\]|\\.|"[^"]*")*?)"(?:\s|$)/g)].map((m) => m[1]);
  const python = [...text.matchAll(/LockfileError\(f?"([^"]*)"/g)].map((m) => m[1]);
  return [...shell, ...python];
}

for (const bp of ['python', 'go']) {
  test(`${bp}: bin/compile fails through lib/fail.sh only`, async (t) => {
    const files = await sources(bp);
    const compile = files[`${bp}/bin/compile`];
    t.regex(compile, /^#!\/usr\/bin\/env bash\n(#.*\n)+set -euo pipefail\n/);
    t.regex(compile, /\nfor lib in fail [a-z ]+; do source "\$BP_DIR\/lib\/\$lib\.sh"; done\n/);
    const before = compile.slice(0, compile.indexOf('for lib in fail')).split('\n').filter((l) => l && !l.startsWith('#'));
    t.deepEqual(before, ['set -euo pipefail', 'BUILD_DIR=$1 CACHE_DIR=$2 ENV_DIR=$3', 'BP_DIR=$(cd "$(dirname "$0")/.." && pwd)']);
    for (const [file, text] of Object.entries(files)) {
      if (file.endsWith('fail.sh')) continue;
      t.deepEqual(text.match(/\bexit [1-9]\d*/g) ?? [], [], `${file} exits without saying why`);
    }
    t.regex(files[`${bp}/lib/fail.sh`], /\ntrap 'on_unexpected_error \$\? \$LINENO "\$BASH_COMMAND"' ERR\n/);
  });

  test(`${bp}: every failure message is asserted by ${bp}.test.ts (or listed as untestable)`, async (t) => {
    const tests = (await fsp.readFile(path.resolve(`test/buildpacks/${bp}.test.ts`), 'utf8')).replace(/\\(['`])/g, '$1');
    const found = Object.values(await sources(bp)).flatMap(messages).map(literal).filter((m) => m.length > 0);
    t.true(found.length >= (bp === 'python' ? 20 : 9), found.join('\n'));
    const missing = found.filter((m) => !tests.includes(m) && !(m in UNTESTED));
    t.deepEqual(missing, []);
  });
}
