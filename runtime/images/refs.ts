/**
 * Image references, as Docker reads and shows them (distribution/reference).
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ("/" path-component)*
 *
 * The store keeps references in *familiar* form: Docker Hub's `docker.io/`
 * and `docker.io/library/` prefixes are dropped (`docker.io/library/busybox`
 * → `busybox`), other registries stay (`localhost:5000/x:y`), and a
 * reference with neither tag nor digest gets `:latest`.
 */
import { invalid } from '../../lib/errors.js';

/** A parsed reference; `name` is familiar (no Docker Hub prefixes). */
export interface Reference {
  name: string;
  tag?: string;
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HUB_DOMAINS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_NAME = 255;

const bad = (input: string, why?: string) =>
  invalid(`invalid reference format${why ? `: ${why}` : ''}: "${input}"`);

/** Does the first component of a name look like a registry host? */
function isDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

/** Drop Docker Hub's domain and `library/` namespace. */
function familiar(domain: string | undefined, path: string): string {
  if (domain === undefined || HUB_DOMAINS.has(domain)) {
    const rest = path.startsWith('library/') && path.split('/').length === 2 ? path.slice('library/'.length) : path;
    return rest;
  }
  return `${domain}/${path}`;
}

function parseName(input: string, name: string): string {
  const parts = name.split('/');
  const domain = parts.length > 1 && isDomain(parts[0]) ? parts.shift() : undefined;
  if (domain !== undefined && !DOMAIN.test(domain)) throw bad(input, `bad registry "${domain}"`);
  for (const p of parts) {
    if (p !== p.toLowerCase()) throw bad(input, 'repository name must be lowercase');
    if (!PATH_COMPONENT.test(p)) throw bad(input);
  }
  const out = familiar(domain, parts.join('/'));
  if (name.length > MAX_NAME) throw bad(input, `repository name must not be longer than ${MAX_NAME} characters`);
  return out;
}

/** Parse a reference without adding a default tag; throws `Invalid` when malformed. */
export function parseReference(input: string): Reference {
  if (input === '' || input !== input.trim()) throw bad(input);
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(input, 'bad digest');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(input, 'bad tag');
  }
  return { name: parseName(input, rest), tag, digest };
}

/** Format a parsed reference (`name:tag`, `name@digest`, `name:tag@digest`). */
export function formatReference(ref: Reference): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** Familiar form with `:latest` added when there is neither tag nor digest: `busybox` → `busybox:latest`. */
export function normalizeReference(input: string): string {
  const ref = parseReference(input);
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = 'latest';
  return formatReference(ref);
}

/** A reference that can be a tag (`name:tag`, default `latest`); digests are refused. */
export function normalizeTag(input: string): string {
  const ref = parseReference(input);
  if (ref.digest !== undefined) throw invalid(`refusing to create a tag with a digest reference: "${input}"`);
  return `${ref.name}:${ref.tag ?? 'latest'}`;
}

/** Split a normalized `name:tag` into its parts. */
export function splitTag(normalized: string): { name: string; tag: string } {
  const colon = normalized.lastIndexOf(':');
  return { name: normalized.slice(0, colon), tag: normalized.slice(colon + 1) };
}

/** Fully qualified form, as containerd names images: `busybox:latest` → `docker.io/library/busybox:latest`. */
export function fullyQualified(normalized: string): string {
  const ref = parseReference(normalized);
  const first = ref.name.split('/')[0];
  const hasDomain = ref.name.includes('/') && isDomain(first);
  const name = hasDomain ? ref.name : `docker.io/${ref.name.includes('/') ? '' : 'library/'}${ref.name}`;
  return formatReference({ ...ref, name });
}

/**
 * The hex of an image ID or ID prefix (`sha256:` optional, at least 4 hex
 * characters), lowercased; undefined when `input` cannot be one.
 */
export function idPrefix(input: string): string | undefined {
  const m = /^(?:sha256:)?([0-9a-f]{4,64})$/.exec(input);
  return m ? m[1] : undefined;
}
