/**
 * Custom domains and TLS certificates of apps. Each change writes the
 * platform's rows and the router's route table in one transaction; every
 * domain is served with the newest certificate of its app that covers it.
 */
import { invalid, notFound } from '../../lib/errors.js';
import type { AddCert } from '../api/types.js';
import type { Db, Queryable } from '../db/pool.js';
import { putHost, putRouterCertificate, removeHost, removeRouterCertificate } from '../routes/hosts.js';
import { deleteCertificate, insertCertificate, listCertificates, publicCertificate } from '../store/certificates.js';
import { deleteDomain, getDomain, insertDomain, listDomains, setDomainCertificate } from '../store/domains.js';
import type { App, Caller, Certificate, Domain } from '../types.js';
import { audit } from './audit.js';
import { covers, parseCertificate } from './pem.js';

/** Add a host name to the app; Conflict when any app has it, Invalid under the base domain (those are apps' default domains). */
export async function addDomain(db: Db, baseDomain: string, caller: Caller, app: App, hostname: string): Promise<Domain> {
  const host = hostname.toLowerCase();
  if (host === baseDomain || host.endsWith(`.${baseDomain}`)) throw invalid(`names under ${baseDomain} are apps' default domains`);
  return db.transaction(async (q) => {
    await insertDomain(q, host, app.id, null);
    await putHost(q, host, app.name, null);
    await syncCertificates(q, app);
    await audit(q, caller, app, 'domains.add', { hostname: host });
    return (await getDomain(q, app.id, host))!;
  });
}

/** Remove a host name of the app; NotFound when it has none by that name. */
export async function removeDomain(db: Db, caller: Caller, app: App, hostname: string): Promise<void> {
  const host = hostname.toLowerCase();
  await db.transaction(async (q) => {
    if (!await deleteDomain(q, app.id, host)) throw notFound(`${host} is not a domain of ${app.name}`);
    await removeHost(q, host);
    await audit(q, caller, app, 'domains.remove', { hostname: host });
  });
}

/** Add a certificate (checked against its key); the app's domains it covers switch to it. */
export async function addCertificate(db: Db, caller: Caller, app: App, body: AddCert): Promise<Certificate> {
  const parsed = parseCertificate(body.cert, body.key);
  const name = body.name ?? `${app.name}-${parsed.fingerprint8}`;
  return db.transaction(async (q) => {
    const cert = await insertCertificate(q, {
      appId: app.id, name, certPem: body.cert, keyPem: body.key, hostnames: parsed.hostnames, expiresAt: parsed.expiresAt,
    });
    await putRouterCertificate(q, name, body.cert, body.key);
    await syncCertificates(q, app);
    await audit(q, caller, app, 'certs.add', { name, hostnames: parsed.hostnames });
    return publicCertificate(cert);
  });
}

/** Remove a certificate of the app; its domains fall back to another covering one, or to none. */
export async function removeCertificate(db: Db, caller: Caller, app: App, name: string): Promise<void> {
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
