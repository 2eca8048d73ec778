/** Build contexts as tars and builds that record their events, for the build tests. */
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Engine } from '../../../runtime/types.js';
import type { BuildEvent, BuildOptions } from '../../../runtime/build/types.js';
import type { Image } from '../../../runtime/images/types.js';

export type FileSpec = string | Buffer | { content: string | Buffer; mode?: number; mtime?: Date };

/** A context tar of `files` (path → content); every mtime is fixed unless given. */
export function contextTar(files: Record<string, FileSpec>): Readable {
  const pack = tarStream.pack();
  for (const [name, spec] of Object.entries(files)) {
    const s = typeof spec === 'string' || Buffer.isBuffer(spec) ? { content: spec } : spec;
    pack.entry({ name, mode: s.mode ?? 0o644, mtime: s.mtime ?? new Date('2026-01-01T00:00:00Z') }, s.content);
  }
  pack.finalize();
  return pack as unknown as Readable;
}

export interface BuildRun {
  image: Image | null;
  error: Error | null;
  events: BuildEvent[];
  /** Output of RUN steps. */
  output: string;
  /** Number of steps that came from the cache. */
  cached: number;
  /** Instructions of the steps that ran (not cached, FROM excluded). */
  ran: string[];
}

/** Build and record; never throws (the error is in the result). */
export async function build(engine: Engine, files: Record<string, FileSpec> | Readable, opts: BuildOptions = {}): Promise<BuildRun> {
  const events: BuildEvent[] = [];
  const body = files instanceof Readable ? files : contextTar(files);
  let image: Image | null = null;
  let error: Error | null = null;
  try {
    image = await engine.buildImage(body, opts, (e) => events.push(e));
  } catch (err) {
    error = err as Error;
  }
  const output = events.map((e) => (e.kind === 'output' ? e.data.toString() : '')).join('');
  const ran: string[] = [];
  let current = '';
  for (const e of events) {
    if (e.kind === 'step') current = e.instruction;
    if (e.kind === 'image' && !current.startsWith('FROM') && !events[events.indexOf(e) - 1]?.kind.startsWith('cached')) ran.push(current);
  }
  return { image, error, events, output, cached: events.filter((e) => e.kind === 'cached').length, ran };
}
