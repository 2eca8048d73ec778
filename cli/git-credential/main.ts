#!/usr/bin/env node
/**
 * The git credential helper that `apps:create` and `git:remote` configure:
 * `node cli/git-credential/main.js [--platform URL] get`. A second entry
 * point beside cli/main.ts, so that the helper call of every push starts
 * only this (node built-ins and the logins file), not the whole CLI; the
 * configured shell snippet does not start node at all for `store` and
 * `erase` (cli/app-ref.ts `helperCommand`). Reads
 * the environment as main.ts does (TSPAAS_CONFIG_DIR, TSPAAS_URL,
 * TSPAAS_TOKEN).
 */
import os from 'node:os';
import path from 'node:path';
import { credentialAnswer, readCredentialFields, tokenFor } from './protocol.js';

const env = process.env;
const args = process.argv.slice(2);
const at = args.indexOf('--platform');
const platform = at >= 0 ? args.splice(at, 2)[1] : undefined;
const [operation] = args;
try {
  const fields = await readCredentialFields(process.stdin);
  if (operation === 'get') {
    const configDir = env.TSPAAS_CONFIG_DIR || path.join(os.homedir(), '.config', 'tspaas');
    const sources = { platformFile: path.join(configDir, 'platform.json'), platformUrl: env.TSPAAS_URL || undefined, platformToken: env.TSPAAS_TOKEN || undefined };
    const token = await tokenFor(sources, fields, platform);
    if (token) process.stdout.write(credentialAnswer(token));
  }
} catch (err) {
  process.stderr.write(`tspaas git credential helper: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
