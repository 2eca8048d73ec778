/**
 * The dashboard's forms (POST): each one checks its fields with the API's
 * own request schemas and calls the same control operation as the API
 * route that does the same (ownership through `findApp`), so every rule
 * the API applies applies here too.
 */
import { invalid } from '../../lib/errors.js';
import type { AddCert, ConfigPatch, CreateApp, Restart, Scale } from '../api/types.js';
import { check } from '../api/validate.js';
import { findApp } from '../auth/ownership.js';
import { createApp, destroyApp } from '../control/apps.js';
import { patchConfig } from '../control/config.js';
import { addCertificate, addDomain, removeCertificate, removeDomain } from '../control/domains.js';
import { restartApp, scaleApp } from '../control/processes.js';
import { rollbackApp } from '../control/releases.js';
import type { App, Caller, TeamRole } from '../types.js';
import { action, appPath, type DashContext, type Dashboard, type Done } from './guard.js';

type AppAction = (app: App, caller: Caller, form: URLSearchParams) => Promise<Done>;

/** Register the forms. */
export function registerActions(dash: Dashboard): void {
  const { deps } = dash;
  action(dash, '/dashboard/apps', () => '/dashboard', async (_ctx, caller, form) => {
    const body = check<CreateApp>('CreateApp', dropEmpty({ name: field(form, 'name'), team: form.get('team') ?? '' }));
    const app = await createApp(deps, caller, body);
    return { to: appPath(app.name), notice: `Created ${app.name}. Push to it: git push tspaas main` };
  });
  // Each form names the role it needs, as its API route does (api/openapi.ts); the operation checks it again.
  const onApp = (path: string, need: TeamRole, fn: AppAction) => action(dash, `/dashboard/apps/:app${path}`, (ctx: DashContext) => appPath(ctx.params.app),
    async (ctx, caller, form) => fn(await findApp(deps.db, caller, ctx.params.app, need), caller, form));

  onApp('/destroy', 'owner', async (app, caller, form) => {
    const confirm = form.get('confirm')?.trim() ?? '';
    if (confirm !== app.name) throw invalid(`type ${app.name} to confirm that it is to be destroyed`);
    await destroyApp(deps, caller, app, confirm);
    return { to: '/dashboard', notice: `Destroyed ${app.name}.` };
  });
  onApp('/scale', 'member', async (app, caller, form) => {
    const quantity = field(form, 'quantity');
    if (!/^[0-9]{1,3}$/.test(quantity)) throw invalid('quantity must be a whole number from 0 to 100');
    const { updates } = check<Scale>('Scale', { updates: [dropEmpty({ type: field(form, 'type'), quantity: Number(quantity), size: form.get('size') ?? '' })] });
    const formation = await scaleApp(deps, caller, app, updates);
    const entry = formation.find((f) => f.type === updates[0]!.type);
    return { to: appPath(app.name), notice: `Scaled ${updates[0]!.type} to ${entry?.quantity ?? quantity}${entry ? ` (${entry.plan})` : ''}.` };
  });
  onApp('/restart', 'member', async (app, caller, form) => {
    const { target } = check<Restart>('Restart', dropEmpty({ target: form.get('target') ?? '' }));
    await restartApp(deps, caller, app, target);
    return { to: appPath(app.name), notice: `Restarting ${target ?? 'all processes'}.` };
  });
  onApp('/config', 'member', async (app, caller, form) => {
    const name = field(form, 'name');
    const patch = check<ConfigPatch>('ConfigPatch', { [name]: form.get('value') ?? '' });
    const { release } = await patchConfig(deps, caller, app, patch);
    return { to: appPath(app.name), notice: `Set ${name}: v${release.version}.` };
  });
  onApp('/config/unset', 'member', async (app, caller, form) => {
    const name = field(form, 'name');
    const { release } = await patchConfig(deps, caller, app, check<ConfigPatch>('ConfigPatch', { [name]: null }));
    return { to: appPath(app.name), notice: `Unset ${name}: v${release.version}.` };
  });
  onApp('/rollback', 'member', async (app, caller, form) => {
    const version = field(form, 'version');
    if (!/^[1-9][0-9]{0,8}$/.test(version)) throw invalid(`${version} is not a release version`);
    const release = await rollbackApp(deps, caller, app, Number(version));
    return { to: appPath(app.name), notice: `Rolling back to v${version}: v${release.version}.` };
  });
  onApp('/domains', 'member', async (app, caller, form) => {
    const domain = await addDomain(deps.db, deps.config, caller, app, field(form, 'hostname'));
    return { to: appPath(app.name), notice: `Added ${domain.hostname}.` };
  });
  onApp('/domains/remove', 'member', async (app, caller, form) => {
    await removeDomain(deps.db, caller, app, field(form, 'hostname'));
    return { to: appPath(app.name), notice: `Removed ${field(form, 'hostname')}.` };
  });
  onApp('/certs', 'member', async (app, caller, form) => {
    const body = check<AddCert>('AddCert', { cert: field(form, 'cert'), key: field(form, 'key') });
    const cert = await addCertificate(deps.db, deps.config.baseDomain, caller, app, body);
    return { to: appPath(app.name), notice: `Added certificate ${cert.name} for ${cert.hostnames.join(', ')}.` };
  });
  onApp('/certs/remove', 'member', async (app, caller, form) => {
    await removeCertificate(deps.db, caller, app, field(form, 'name'));
    return { to: appPath(app.name), notice: `Removed certificate ${field(form, 'name')}.` };
  });
}

/** A form field that must be there and not blank. */
export function field(form: URLSearchParams, name: string): string {
  const value = form.get(name)?.trim() ?? '';
  if (value === '') throw invalid(`${name} is required`);
  return value;
}

/** Drop the empty fields a form sends for "none" (an unpicked select). */
export function dropEmpty<T extends Record<string, unknown>>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== '')) as T;
}
