/**
 * Text that arrives from clients, checked before anything reads it: URLs
 * (path and query, percent-decoded to their bytes) and JSON bodies must be
 * valid UTF-8 without NUL. PostgreSQL refuses NUL in text and jsonb (22021,
 * 22P05) and node would turn invalid bytes and lone surrogates into U+FFFD
 * silently, so both become a 400 here instead of a 500 or a changed value
 * further in. Shared by the API and the git receiver.
 */
import { invalid } from '../lib/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text; Invalid naming `what` when they are not valid UTF-8 or hold a NUL. */
export function decodeText(bytes: Uint8Array, what: string): string {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    throw invalid(`${what} is not valid UTF-8`, err);
  }
  if (text.includes('\0')) throw invalid(`${what} contains a NUL byte`);
  return text;
}

/** Check a request target as received (node keeps raw bytes as latin1): its decoded path and query. */
export function checkRequestTarget(rawUrl: string): void {
  const q = rawUrl.indexOf('?');
  decodeText(percentDecode(q < 0 ? rawUrl : rawUrl.slice(0, q)), 'the request path');
  if (q >= 0) decodeText(percentDecode(rawUrl.slice(q + 1).replace(/\+/g, ' ')), 'the query string');
}

/** One percent-encoded path segment as text; Invalid when its escapes are malformed. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw invalid(`malformed percent-encoding in "${segment.slice(0, 100)}"`, err);
  }
}

/** `%XX` escapes to their bytes; other characters stay the byte they arrived as. */
function percentDecode(text: string): Uint8Array {
  const raw = Buffer.from(text, 'latin1');
  const out = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 0x25 && i + 2 < raw.length ? raw.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = raw[i];
    }
  }
  return out.subarray(0, n);
}

/** Deepest nesting of arrays and objects a body may have (no request schema goes past 4). */
const MAX_DEPTH = 32;

/**
 * Check every string and key of a parsed JSON value: no NUL, no lone
 * surrogate (a `\ud800` escape), nested at most MAX_DEPTH deep (so neither
 * this walk nor a validator recurses without bound).
 */
export function checkJsonStrings(value: unknown, where = 'body', depth = 0): void {
  if (typeof value === 'string') return checkString(value, where);
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_DEPTH) throw invalid(`${where} is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.forEach((v, i) => checkJsonStrings(v, `${where}.${i}`, depth + 1));
  for (const [key, v] of Object.entries(value)) {
    checkString(key, `${where}: a field name`);
    checkJsonStrings(v, `${where}.${key.slice(0, 100)}`, depth + 1);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkString(s: string, where: string): void {
  if (s.includes('\0')) throw invalid(`${where} contains a NUL character`);
  if (LONE_SURROGATE.test(s)) throw invalid(`${where} contains a lone UTF-16 surrogate (not valid Unicode)`);
}
