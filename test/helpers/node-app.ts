/** A small express app with a lockfile, for buildpack tests and the benchmark. */
import { readFileSync } from 'node:fs';

const LOCK = readFileSync(new URL('../buildpacks/fixtures/express-package-lock.json', import.meta.url), 'utf8');

/** package.json, package-lock.json and index.js of an app answering `<word> from express`. */
export function expressApp(word: string): Record<string, string> {
  return {
    'package.json': JSON.stringify({
      name: 'tspaas-express-test', version: '1.0.0', private: true,
      engines: { node: '20.x' },
      scripts: { start: 'node index.js' },
      dependencies: { express: '4.21.2' },
      devDependencies: { 'is-number': '7.0.0' },
    }, null, 2),
    'package-lock.json': LOCK,
    'index.js': `const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('${word} from express'));\napp.listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));\n`,
  };
}
