/** Reference → image, the way Docker resolves `docker image inspect X`. */
import { conflict, notFound } from '../../lib/errors.js';
import { idPrefix, normalizeReference, parseReference } from './refs.js';
import type { ImageView } from './records.js';

export interface Resolved {
  view: ImageView;
  /** The tag the reference named, when it named one. */
  tag?: string;
}

/**
 * Resolve `ref` among `views`, in Docker's order: a full image ID; a
 * `name@sha256:…` manifest digest; a tag (`busybox` = `busybox:latest`);
 * then a unique image ID prefix of at least 4 hex characters.
 * `NotFound`, `Invalid` (malformed and not an ID prefix) or `Conflict`
 * (ambiguous prefix).
 */
export function resolveRef(views: ImageView[], ref: string): Resolved {
  const hex = idPrefix(ref);
  if (hex !== undefined && hex.length === 64) {
    const view = views.find((v) => v.record.configDigest === `sha256:${hex}`);
    if (view) return { view };
    throw notFound(`No such image: ${ref}`);
  }
  const byName = resolveByName(views, ref, hex !== undefined);
  if (byName) return byName;
  if (hex !== undefined) {
    const matches = views.filter((v) => v.record.configDigest.startsWith(`sha256:${hex}`));
    if (matches.length === 1) return { view: matches[0] };
    if (matches.length > 1) throw conflict(`image ID prefix "${ref}" is ambiguous (${matches.length} images match)`);
  }
  throw notFound(`No such image: ${ref}`);
}

function resolveByName(views: ImageView[], ref: string, mayBeId: boolean): Resolved | undefined {
  let parsed;
  try {
    parsed = parseReference(ref);
  } catch (err) {
    if (mayBeId) return undefined;
    throw err;
  }
  if (parsed.digest !== undefined) {
    const view = views.find((v) => v.record.manifestDigest === parsed.digest);
    if (view) return { view };
    throw notFound(`No such image: ${ref}`);
  }
  const tag = normalizeReference(ref);
  const view = views.find((v) => v.indexed.tags.includes(tag));
  return view ? { view, tag } : undefined;
}
