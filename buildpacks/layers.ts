/**
 * Cached layers (the `layers` extension in types.ts): buildpacks declare
 * trees of /app that are a pure function of a key; each becomes its own
 * layer, remembered key → layer in CACHE_DIR, so an unchanged runtime or
 * dependency tree is neither packed nor hashed again. The rest of /app is
 * the slug layer proper, with the declared paths left out.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../runtime/types.js';
import type { Layer } from '../runtime/images/types.js';
import { invalid } from '../lib/errors.js';

/**
 * Where the runner remembers key → layer, inside the app's cache directory.
 * v2: layers owned by the app user (slug.ts APP_USER), so the root-owned
 * layers an older index names are not reused.
 */
const INDEX = '.tspaas-layers-v2.json';

/** One `KEY PATH` line of a buildpack's `layers` file. */
export interface LayerDeclaration {
  key: string;
  /** Relative to /app, normalized, no `..`. */
  path: string;
}

/** Parse a `layers` file; a bad line fails the build naming the buildpack. */
export function parseLayerDeclarations(text: string, ref: string): LayerDeclaration[] {
  const decls: LayerDeclaration[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9][A-Za-z0-9._+-]*)\s+(\S+)$/.exec(line);
    const rel = m ? path.posix.normalize(m[2]).replace(/\/+$/, '') : '';
    if (!m || !rel || rel === '.' || rel.startsWith('..') || rel.startsWith('/')) throw invalid(`${ref}: bad line in its layers file: "${line}"`);
    decls.push({ key: m[1], path: rel });
  }
  for (const a of decls) {
    if (decls.some((b) => b !== a && (b.path === a.path || b.path.startsWith(`${a.path}/`)))) throw invalid(`${ref}: cached layer paths overlap at "${a.path}"`);
  }
  return decls;
}

/** The layers remembered in `cacheDir` whose blobs the store still holds. */
export async function storedLayers(engine: Engine, cacheDir: string): Promise<Map<string, Layer>> {
  const raw = await fsp.readFile(path.join(cacheDir, INDEX), 'utf8').catch(() => '{}');
  const index = safeParse(raw);
  const stored = new Map<string, Layer>();
  for (const [key, layer] of Object.entries(index)) if (await isStored(engine, layer)) stored.set(key, layer);
  return stored;
}

/** Remember the layers of this build (only those: the index stays as small as one build). */
export async function rememberLayers(cacheDir: string, layers: Map<string, Layer>): Promise<void> {
  const tmp = path.join(cacheDir, `${INDEX}.tmp`);
  await fsp.writeFile(tmp, JSON.stringify(Object.fromEntries(layers)));
  await fsp.rename(tmp, path.join(cacheDir, INDEX));
}

function safeParse(raw: string): Record<string, Layer> {
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' ? v as Record<string, Layer> : {};
  } catch {
    return {};
  }
}

/** True when the store can open the layer's blob. */
function isStored(engine: Engine, layer: Layer): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const s = engine.images.openLayer(layer);
      s.once('error', () => resolve(false));
      s.once('open', () => { s.destroy(); resolve(true); });
    } catch {
      resolve(false); // not a layer record (a hand-edited index)
    }
  });
}
