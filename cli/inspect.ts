/** Shared by every `inspect`: a JSON array like Docker's, or one `--format` line per object. */
import { TspaasError } from '../lib/errors.js';
import { ExitError, type CliContext } from './context.js';
import { renderTemplate } from './format.js';

/** Fetch each ref, print them all; missing ones are reported and make the command fail at the end. */
export async function inspectEach(ctx: CliContext, refs: string[], format: string | undefined, get: (ref: string) => Promise<unknown>): Promise<void> {
  const found: unknown[] = [];
  let failed = false;
  for (const ref of refs) {
    try {
      found.push(await get(ref));
    } catch (err) {
      if (!(err instanceof TspaasError)) throw err;
      failed = true;
      ctx.io.stderr.write(`tspaas: ${err.message}\n`);
    }
  }
  if (format && !ctx.json) ctx.io.stdout.write(found.map((o) => `${renderTemplate(format, o)}\n`).join(''));
  else ctx.io.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  if (failed) throw new ExitError(1);
}
