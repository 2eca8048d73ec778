/**
 * Issue 14 part P (Dockerfile PORT): the port a process listens on, given
 * to it as `PORT` and checked by the deploy. In order:
 *
 *   1. the app's config var `PORT` (`tspaas config:set PORT=3000`), when set;
 *   2. for an image built from a Dockerfile (not a buildpack slug), the
 *      port it EXPOSEs when it exposes exactly one TCP port (Dokku's rule);
 *   3. the platform's port (`DeployTuning.port`, 5000 by default).
 *
 * `from` says which, in words the pusher reads when a health check fails.
 */
import { invalid } from '../../lib/errors.js';
import { LABELS as SLUG_LABELS } from '../../buildpacks/types.js';
import type { Engine } from '../../runtime/types.js';
import type { Release } from '../types.js';

/** A process's port and where it came from. */
export interface ProcessPort { port: number; from: string }

/** The port of `release`'s processes (see the file comment); `Invalid` when config PORT is no port number. */
export async function processPort(engine: Engine, release: Release, platformPort: number): Promise<ProcessPort> {
  const configured = release.config.PORT;
  if (configured !== undefined) return { port: parsePort(configured), from: 'the config var PORT' };
  const exposed = release.image ? await exposedPorts(engine, release.image) : null;
  if (exposed === null) return { port: platformPort, from: 'the platform default' };
  const tcp = exposed.filter((p) => p.endsWith('/tcp')).map((p) => Number(p.slice(0, -4)));
  if (exposed.length === 1 && tcp.length === 1 && tcp[0]! > 0 && tcp[0]! < 65536) return { port: tcp[0]!, from: `the image's EXPOSE ${tcp[0]}` };
  const what = exposed.length === 0 ? 'the image EXPOSEs no port' : `the image EXPOSEs ${exposed.join(', ')}, not exactly one TCP port`;
  return { port: platformPort, from: `the platform default; ${what}` };
}

/** `1`–`65535` as a number, else Invalid with the commands that fix it. */
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65535) {
    throw invalid(`the config var PORT="${text}" is not a port number (1-65535): set one with \`tspaas config:set PORT=5000\` or remove it with \`tspaas config:unset PORT\``);
  }
  return port;
}

/** `3000/tcp`-style ports a Dockerfile image EXPOSEs (`/tcp` added when missing); null for a buildpack slug. */
async function exposedPorts(engine: Engine, image: string): Promise<string[] | null> {
  const config = (await engine.images.get(image)).config.config;
  if (config.Labels?.[SLUG_LABELS.buildpacks] !== undefined) return null;
  return Object.keys(config.ExposedPorts ?? {}).map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`)).sort();
}
