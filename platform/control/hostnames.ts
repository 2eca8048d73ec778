/**
 * What an app may claim as a custom domain. A domain is a DNS host name
 * (`shop.example.com`) or a wildcard for the names under one
 * (`*.example.com`); it is never an IP literal, a name of the loopback
 * (`localhost`), a public suffix, or a name of the platform itself (its
 * base domain, whose `<app>.<base>` names are the apps' default domains, and
 * the host of its public URL). Checked as an ordered list of rules, each with
 * its source; the first broken one is the Invalid message.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { invalid } from '../../lib/errors.js';
import { canonicalHost, isIpLiteral } from '../../lib/hostnames.js';
import { isPublicSuffix, type PublicSuffixes } from './public-suffix.js';

/** What the rules compare a name against. */
export interface DomainContext {
  /** The platform's base domain (canonical). */
  baseDomain: string;
  /** The host of the platform's public URL when it is a DNS name, else null. */
  platformHost: string | null;
  /** The app asking: names under its own default domain `<app>.<base>` are its to claim. */
  appName: string;
  suffixes: PublicSuffixes;
}

/** A name being checked: canonical text, whether it is `*.zone`, and the zone's labels. */
interface Candidate { name: string; wildcard: boolean; zone: string; labels: string[] }

type Rule = (d: Candidate, ctx: DomainContext) => string | null;

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The rules in order; each returns the reason a name is refused, or null. */
const RULES: Rule[] = [
  // RFC 1035 §2.3.1: host names are ASCII; IDNs travel as punycode (RFC 5890).
  (d) => /^[\x21-\x7e]+$/.test(d.name) ? null : `${JSON.stringify(d.name)} is not an ASCII host name (write an internationalized name in punycode: ${domainToASCII(d.name) || 'xn--…'})`,
  // WHATWG URL "ends in a number" / inet_aton forms (127.1, 0x7f.0.0.1, 2130706433), IPv6 ([::1]).
  (d) => isIpLiteral(d.zone) ? `${d.name} is an IP address, not a DNS name` : null,
  // RFC 1035 §2.3.4: 253 characters in text form.
  (d) => d.name.length > 253 ? `${d.name.slice(0, 40)}… is longer than 253 characters` : null,
  // RFC 6125 §6.4.3, CA/Browser Forum Baseline Requirements: `*` only as the whole leftmost label.
  (d) => d.zone.includes('*') ? `${d.name}: a wildcard is allowed only as the whole leftmost label (*.example.com)` : null,
  (d) => d.labels.map((l) => labelProblem(l)).find((p) => p !== null) ?? null,
  // RFC 6761 §6.3: localhost and its subdomains are the loopback (but for the app's own default domain when the base is localhost).
  (d, ctx) => within(d.zone, 'localhost') && !within(d.zone, ownDomain(ctx)) ? `${d.name} is a loopback name (localhost)` : null,
  // RFC 1123 §2.1 host names have a parent; a wildcard needs two labels under it (*.com is every .com name).
  (d) => d.labels.length < 2 ? `${d.name} is a single label; ${d.wildcard ? 'a wildcard needs a domain of two labels or more (*.example.com)' : 'a domain needs a parent (shop.example.com)'}` : null,
  // publicsuffix.org: anyone registers under com, co.uk, github.io.
  (d, ctx) => isPublicSuffix(ctx.suffixes, d.zone) ? d.wildcard ? `${d.name} would cover every name registered under the public suffix ${d.zone}` : `${d.name} is a public suffix, not a host name` : null,
  (d, ctx) => platformNameProblem(d, ctx),
];

/** The canonical form of a requested custom domain (lower case, no trailing dot); Invalid when a rule refuses it. */
export function checkDomain(input: string, ctx: DomainContext): string {
  const name = canonicalHost(input);
  if (name.length === 0) throw invalid('the host name is empty');
  const wildcard = name.startsWith('*.');
  const zone = wildcard ? name.slice(2) : name;
  const candidate = { name, wildcard, zone, labels: zone.split('.') };
  for (const rule of RULES) {
    const problem = rule(candidate, ctx);
    if (problem !== null) throw invalid(problem);
  }
  return name;
}

/** True when `name` is `zone` or a name under it. */
export function within(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** The app's default domain `<app>.<base>`. */
function ownDomain(ctx: DomainContext): string {
  return `${ctx.appName}.${ctx.baseDomain}`;
}

/** Why one label is not a host name label (RFC 1035 §2.3.1/§2.3.4, RFC 1123 §2.1, RFC 5891 §4.2.3.1), or null. */
function labelProblem(label: string): string | null {
  if (label === '') return 'a host name has no empty labels (a..b, .a)';
  if (label.length > 63) return `the label ${label.slice(0, 20)}… is longer than 63 characters`;
  // Underscore names are SRV/TXT owners (RFC 8552), never hosts; CAs no longer issue for them (CA/B ballot SC12).
  if (label.includes('_')) return `${label}: underscores are not allowed in host names`;
  if (!LABEL.test(label)) return `${label}: a label is letters, digits and inner hyphens`;
  if (label.slice(2, 4) !== '--') return null;
  if (!label.startsWith('xn--')) return `${label}: hyphens in the third and fourth places are reserved for punycode (xn--)`;
  return domainToASCII(domainToUnicode(label)) === label ? null : `${label} is not valid punycode`;
}

/** Names of the platform: its base domain (but for the app's own `<app>.<base>`) and its public host, or a wildcard over them. */
function platformNameProblem(d: Candidate, ctx: DomainContext): string | null {
  const own = ownDomain(ctx);
  if (within(d.zone, ctx.baseDomain) && !within(d.zone, own)) return `${d.name} is under ${ctx.baseDomain}, whose names are the apps' default domains`;
  if (d.wildcard && within(ctx.baseDomain, d.zone)) return `${d.name} covers ${ctx.baseDomain}, whose names are the apps' default domains`;
  const host = ctx.platformHost;
  if (host !== null && (d.name === host || (d.wildcard && within(host, d.zone)))) return `${d.name} ${d.name === host ? 'is' : 'covers'} the platform's own host name`;
  return null;
}
