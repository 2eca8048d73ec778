/** Syntax errors of a Dockerfile, worded as Docker's. */
import { invalid } from '../../../lib/errors.js';

/** A syntax error naming the line: `dockerfile parse error on line 3: unknown instruction: FOO`. */
export function parseError(line: number, message: string, cause?: unknown): Error {
  return invalid(`dockerfile parse error on line ${line}: ${message}`, cause);
}
