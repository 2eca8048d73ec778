/**
 * Custom domains and TLS certificates of apps. Each change writes the
 * platform's rows and the router's route table in one transaction; every
 * domain is served with the newest certificate of its app that covers it.
 * A domain is a DNS name no other team's domain overlaps (hostnames.ts has
 * the rules); a certificate must cover a name of its app and is only ever
 * attached to its app's domains, whatever else it names.
 */
import { conflict, invalid, notFound } from '../../lib/errors.js';
import { canonicalHost, isIpLiteral } from '../../lib/hostnames.js';
import type { AddCert } from '../api/types.js';
import type { Db, Queryable } from '../db/pool.js';
import { requireAppRole } from '../auth/roles.js';
import { putHost, putRouterCertificate, removeHost, removeRouterCertificate } from '../routing/hosts.js';
import { deleteCertificate, insertCertificate, listCertificates, publicCertificate } from '../store/certificates.js';
import { deleteDomain, findOverlap, getDomain, insertDomain, listDomains, lockDomains, setDomainCertificate, type Overlap } from '../store/domains.js';
import type { App, Caller, Certificate, Domain, PlatformConfig } from '../types.js';
import { audit } from './audit.js';
import { checkDomain } from './hostnames.js';
import { admit } from './quotas.js';
import { covers, parseCertificate } from './pem.js';
import { publicSuffixes } from './public-suffix.js';

/** The platform's names a domain may not take. */
export type DomainConfig = Pick<PlatformConfig, 'baseDomain' | 'publicUrl'>;

const OVERLAP_MESSAGES: Record<Overlap, (host: string) => string> = {
  same: (host) => `${host} is already in use`,
  covers: (host) => `${host} covers a host name that is already in use`,
  covered: (host) => `${host} is covered by a wildcard domain that is already in use`,
};

/**
 * Add a host name (or `*.` wildcard) to the app: Invalid when it is no DNS name of its own to claim (hostnames.ts),
 * Conflict when any app has it or another team's domain overlaps it (the message never names the owner).
 */
export async function addDomain(db: Db, config: DomainConfig, caller: Caller, app: App, hostname: string): Promise<Domain> {
  requireAppRole(caller, app, 'member');
  const baseDomain = canonicalHost(config.baseDomain);
  const host = checkDomain(hostname, { baseDomain, platformHost: platformHost(config.publicUrl), appName: app.name, suffixes: await publicSuffixes() });
  return db.transaction(async (q) => {
    await lockDomains(q);
    const overlap = await findOverlap(q, app.teamId, host);
    if (overlap !== null) throw conflict(OVERLAP_MESSAGES[overlap](host));
    // Issue 17, part 1: within the team's custom domains quota.
    return admit(q, { teamId: app.teamId, what: 'domains:add' }, ['domains'], async () => {
      await insertDomain(q, host, app.id, null);
      await putHost(q, host, app.name, null);
      await syncCertificates(q, app);
      await audit(q, caller, app, 'domains.add', { hostname: host });
      return (await getDomain(q, app.id, host))!;
    });
  });
}

/** Remove a host name of the app; NotFound when it has none by that name. */
export async function removeDomain(db: Db, caller: Caller, app: App, hostname: string): Promise<void> {
  requireAppRole(caller, app, 'member');
  const host = canonicalHost(hostname);
  await db.transaction(async (q) => {
    if (!await deleteDomain(q, app.id, host)) throw notFound(`${host} is not a domain of ${app.name}`);
    await removeHost(q, host, app.name);
    await audit(q, caller, app, 'domains.remove', { hostname: host });
  });
}

/**
 * Add a certificate (checked against its key); the app's domains it covers switch to it. Invalid when it covers
 * none of the app's names (its domains, its default `<app>.<base>`); names it has beyond them are never served.
 */
export async function addCertificate(db: Db, baseDomain: string, caller: Caller, app: App, body: AddCert): Promise<Certificate> {
  requireAppRole(caller, app, 'member');
  const parsed = parseCertificate(body.cert, body.key);
  const name = body.name ?? `${app.name}-${parsed.fingerprint8}`;
  return db.transaction(async (q) => {
    const own = [`${app.name}.${canonicalHost(baseDomain)}`, ...(await listDomains(q, app.id)).map((d) => d.hostname)];
    if (!own.some((host) => parsed.hostnames.some((n) => covers(n, host)))) {
      throw invalid(`the certificate (for ${few(parsed.hostnames)}) covers none of ${app.name}'s domains (${few(own)}); add the domain first`);
    }
    const cert = await insertCertificate(q, {
      appId: app.id, name, certPem: body.cert, keyPem: body.key, hostnames: parsed.hostnames, expiresAt: parsed.expiresAt,
    });
    await putRouterCertificate(q, name, body.cert, body.key);
    await syncCertificates(q, app);
    await audit(q, caller, app, 'certs.add', { name, hostnames: parsed.hostnames });
    return publicCertificate(cert);
  });
}

/** Up to five names for a message. */
function few(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

/** The host of the platform's public URL when it is a DNS name (an IP host is refused as such anyway). */
function platformHost(publicUrl: string): string | null {
  const host = canonicalHost(new URL(publicUrl).hostname);
  return host === '' || isIpLiteral(host) ? null : host;
}

/** Remove a certificate of the app; its domains fall back to another covering one, or to none. */
export async function removeCertificate(db: Db, caller: Caller, app: App, name: string): Promise<void> {
  requireAppRole(caller, app, 'member');
  await db.transaction(async (q) => {
    if (!await deleteCertificate(q, app.id, name)) throw notFound(`certificate ${name} not found`);
    await removeRouterCertificate(q, name);
    await syncCertificates(q, app);
    await audit(q, caller, app, 'certs.remove', { name });
  });
}

/** The app's certificates (without PEM). */
export async function certificatesOf(q: Queryable, app: App): Promise<Certificate[]> {
  return (await listCertificates(q, app.id)).map(publicCertificate);
}

/** Point each domain of the app at the newest unexpired certificate covering it (or none), in both tables. */
async function syncCertificates(q: Queryable, app: App): Promise<void> {
  const now = new Date().toISOString();
  const certs = (await listCertificates(q, app.id)).filter((c) => c.expiresAt > now); // newest first
  for (const domain of await listDomains(q, app.id)) {
    const best = certs.find((c) => c.hostnames.some((n) => covers(n, domain.hostname))) ?? null;
    if ((best?.name ?? null) === domain.certificate) continue;
    await setDomainCertificate(q, app.id, [domain.hostname], best?.id ?? null);
    await putHost(q, domain.hostname, app.name, best?.name ?? null);
  }
}
