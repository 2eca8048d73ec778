/** The PostgreSQL and Redis the platform benchmarks run tspaasd on. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../lib/exec.js';

/** The suite's private PostgreSQL and Redis (scripts/services.sh) unless DATABASE_URL and REDIS_URL are set. */
export async function provideServices(): Promise<void> {
  if (process.env.DATABASE_URL && process.env.REDIS_URL) return;
  const { stdout } = await run('bash', [path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scripts/services.sh')]);
  for (const m of stdout.matchAll(/^export (DATABASE_URL|REDIS_URL)=(\S+)$/gm)) process.env[m[1]] = m[2];
}
