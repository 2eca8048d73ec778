/**
 * `node --import <this file>`: log every file: module the process loads to
 * $TSPAAS_MODULE_LOG, one URL a line (hooks.mjs). Used by
 * test/cli/lazy-commands.test.ts to see which command modules a CLI run loads.
 */
import { register } from 'node:module';
import process from 'node:process';

const file = process.env.TSPAAS_MODULE_LOG;
if (!file) throw new Error('set TSPAAS_MODULE_LOG to the file the loaded modules are written to');
register('./hooks.mjs', import.meta.url, { data: { file } });
