/**
 * The Public Suffix List (publicsuffix.org), as Debian's `publicsuffix`
 * package installs it: names under which anyone may register (`com`,
 * `co.uk`, `github.io`). A wildcard domain on one of them would claim every
 * tenant's future host name there, so domains.ts refuses them.
 */
import { readFile } from 'node:fs/promises';
import { domainToASCII } from 'node:url';
import { unavailable } from '../../lib/errors.js';

/** Where Debian's `publicsuffix` package puts the list (scripts/setup.sh installs it). */
export const PUBLIC_SUFFIX_FILE = '/usr/share/publicsuffix/public_suffix_list.dat';

/** The rules of the list, in punycode: plain, wildcard (`*.ck` kept as `ck`) and exception (`!www.ck`) rules. */
export interface PublicSuffixes {
  plain: Set<string>;
  wildcard: Set<string>;
  exception: Set<string>;
}

let cached: Promise<PublicSuffixes> | null = null;

/** The list from PUBLIC_SUFFIX_FILE, read once; Unavailable when it cannot be read. */
export function publicSuffixes(): Promise<PublicSuffixes> {
  cached ??= readFile(PUBLIC_SUFFIX_FILE, 'utf8').then(parsePublicSuffixes, (err: unknown) => {
    cached = null;
    throw unavailable(`the public suffix list ${PUBLIC_SUFFIX_FILE} cannot be read (install Debian's publicsuffix package)`, err);
  });
  return cached;
}

/** Parse the list's text (one rule a line, `//` comments). */
export function parsePublicSuffixes(text: string): PublicSuffixes {
  const list: PublicSuffixes = { plain: new Set(), wildcard: new Set(), exception: new Set() };
  for (const raw of text.split('\n')) {
    const line = raw.trim().split(/\s/)[0];
    if (!line || line.startsWith('//')) continue;
    if (line.startsWith('!')) list.exception.add(domainToASCII(line.slice(1)));
    else if (line.startsWith('*.')) list.wildcard.add(domainToASCII(line.slice(2)));
    else list.plain.add(domainToASCII(line));
  }
  return list;
}

/** True when `name` (canonical, punycode) is itself a public suffix. */
export function isPublicSuffix(list: PublicSuffixes, name: string): boolean {
  if (list.plain.has(name)) return true;
  if (list.exception.has(name)) return false;
  const dot = name.indexOf('.');
  return dot > 0 && list.wildcard.has(name.slice(dot + 1));
}
