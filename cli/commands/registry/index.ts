/** `tspaas login` / `logout` of registries: credentials kept by the CLI (cli/credentials.ts), checked by the engine. */
import { invalid } from '../../../lib/errors.js';
import type { CliContext } from '../../context.js';
import { removeCredentials, serverKey, storeCredentials } from '../../credentials.js';
import type { SystemAuthResponse } from '../../../runtime/api/docker/types.js';

const DEFAULT_SERVER = 'docker.io';

export interface LoginOpts {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/**
 * `tspaas login <registry-host>`: check the credentials with the engine
 * (`POST /auth`) and keep them. The `login` command itself is registered by
 * cli/commands/platform/auth.ts, which sends arguments without a scheme here.
 */
export async function registryLogin(ctx: CliContext, server: string | undefined, opts: LoginOpts): Promise<void> {
  const host = server ?? DEFAULT_SERVER;
  const creds = { username: opts.username ?? '', password: await password(ctx, opts) };
  if (!creds.username) throw invalid('a user name is required: use -u');
  const reply = await ctx.engine.json<SystemAuthResponse>('POST', '/auth', { body: { username: creds.username, password: creds.password, serveraddress: serverKey(host) } });
  await storeCredentials(authFile(ctx), host, creds);
  ctx.print(reply, reply.Status);
}

/** `tspaas logout <registry-host>`: forget the credentials of a registry. */
export async function registryLogout(ctx: CliContext, server: string | undefined): Promise<void> {
  const removed = await removeCredentials(authFile(ctx), server ?? DEFAULT_SERVER);
  const key = serverKey(server ?? DEFAULT_SERVER);
  ctx.print({ server: key, removed }, removed ? `Removing login credentials for ${key}` : `Not logged in to ${key}`);
}

async function password(ctx: CliContext, opts: LoginOpts): Promise<string> {
  if (opts.password !== undefined && opts.passwordStdin) throw invalid('--password and --password-stdin are mutually exclusive');
  if (opts.password !== undefined) return opts.password;
  if (!opts.passwordStdin) throw invalid('a password is required: use --password-stdin (or -p)');
  const chunks: Buffer[] = [];
  for await (const c of ctx.io.stdin) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function authFile(ctx: CliContext): string {
  if (!ctx.config.authFile) throw invalid('no credentials file configured (set TSPAAS_CONFIG_DIR)');
  return ctx.config.authFile;
}
