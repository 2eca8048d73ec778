/**
 * `node --import=tsx test/helpers/summary/main.ts <ava report file>` prints
 * "passed failed skipped todo" for scripts/test.sh (see count.ts).
 */
import { readFileSync } from 'node:fs';
import { countAvaReport } from './count.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: summary/main.ts <ava report file>\n');
  process.exit(2);
}
const c = countAvaReport(readFileSync(file, 'utf8'));
process.stdout.write(`${c.passed} ${c.failed} ${c.skipped} ${c.todo}\n`);
