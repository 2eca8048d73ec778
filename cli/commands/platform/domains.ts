/** `tspaas domains`, `domains:add HOST`, `domains:remove HOST`, `certs`, `certs:add CERT KEY`, `certs:remove NAME`. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { AddCert, AddDomain, Certificate, Domain } from '../../../platform/api/types.js';
import type { App, CliContext } from '../../context.js';
import { PlatformError } from '../../platform-client.js';
import { platformAction, seg, target, withApp } from './shared.js';
import { certsTable, domainsTable } from './tables.js';

/** Add the domain and certificate commands. */
export function register(program: Command, app: App): void {
  withApp(program.command('domains').description('List the app\'s domains')).action(platformAction(app, async (ctx, opts: { app?: string }) => {
    const { api, base } = await target(ctx, opts);
    const domains = await api.json<Domain[]>('GET', `${base}/domains`);
    ctx.print(domains, () => domainsTable(domains));
  }));
  withApp(program.command('domains:add').description('Route a hostname to the app').argument('<hostname>'))
    .action(platformAction(app, async (ctx, hostname: string, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      const body: AddDomain = { hostname };
      const domain = await api.json<Domain>('POST', `${base}/domains`, body);
      ctx.print(domain, `Added ${domain.hostname}: point its DNS at this platform's router`);
    }));
  withApp(program.command('domains:remove').description('Stop routing a hostname to the app').argument('<hostname>'))
    .action(platformAction(app, async (ctx, hostname: string, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      await api.json('DELETE', `${base}/domains/${seg(hostname)}`);
      ctx.print({ removed: hostname }, `Removed ${hostname}`);
    }));
  withApp(program.command('certs').description('List the app\'s TLS certificates')).action(platformAction(app, async (ctx, opts: { app?: string }) => {
    const { api, base } = await target(ctx, opts);
    const certs = await api.json<Certificate[]>('GET', `${base}/certs`);
    ctx.print(certs, () => certsTable(certs));
  }));
  withApp(program.command('certs:add').description('Add a TLS certificate (PEM chain and key) for the domains it covers'))
    .argument('<cert-file>').argument('<key-file>')
    .option('--name <name>', 'name of the certificate (default: chosen by the platform)')
    .action(platformAction(app, async (ctx, certFile: string, keyFile: string, opts: { app?: string; name?: string }) => {
      const { api, base } = await target(ctx, opts);
      const body: AddCert = { cert: await pem(ctx, certFile), key: await pem(ctx, keyFile), ...(opts.name ? { name: opts.name } : {}) };
      const cert = await api.json<Certificate>('POST', `${base}/certs`, body);
      ctx.print(cert, `Added certificate ${cert.name} for ${cert.hostnames.join(', ')} (expires ${cert.expiresAt})`);
    }));
  withApp(program.command('certs:remove').description('Remove a TLS certificate').argument('<name>'))
    .action(platformAction(app, async (ctx, name: string, opts: { app?: string }) => {
      const { api, base } = await target(ctx, opts);
      await api.json('DELETE', `${base}/certs/${seg(name)}`);
      ctx.print({ removed: name }, `Removed certificate ${name}`);
    }));
}

/** A PEM file's text, relative to the working directory. */
async function pem(ctx: CliContext, file: string): Promise<string> {
  try {
    return await readFile(path.resolve(ctx.config.cwd, file), 'utf8');
  } catch (err) {
    throw new PlatformError('Invalid', `cannot read ${file}: ${(err as Error).message}`, 'give the paths of PEM files: CERT_FILE KEY_FILE');
  }
}
