/**
 * Module customization hooks (node's `module.register`) that append the URL
 * of every file: module node loads to the file named in `initialize`'s data.
 * Plain JavaScript: they run in node's hooks thread, before tsx can compile.
 */
import { appendFileSync } from 'node:fs';

let logFile;

/** Called once by `register()` with `{ file }`. */
export function initialize(data) {
  logFile = data.file;
}

/** Log the module, then load it as the next hook (tsx, then node) would. */
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(logFile, `${url}\n`);
  return nextLoad(url, context);
}
