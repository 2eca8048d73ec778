/** `tspaas login` / `logout`: registry credentials kept by the CLI (cli/credentials.ts), checked by the engine. */
import type { Command } from 'commander';
import { invalid } from '../../../lib/errors.js';
import type { App, CliContext } from '../../context.js';
import { removeCredentials, serverKey, storeCredentials } from '../../credentials.js';

const DEFAULT_SERVER = 'docker.io';

interface LoginOpts {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** Add `login` and `logout` to the program. */
export function register(program: Command, app: App): void {
  program.command('login').description('Log in to a registry (credentials kept in the CLI\'s auth.json, mode 0600)')
    .argument('[server]', 'registry host[:port]', DEFAULT_SERVER)
    .option('-u, --username <name>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .action(app.action(async (ctx, server: string, opts: LoginOpts) => {
      const creds = { username: opts.username ?? '', password: await password(ctx, opts) };
      if (!creds.username) throw invalid('a user name is required: use -u');
      const reply = await ctx.engine.json<{ Status: string }>('POST', '/auth', { body: { username: creds.username, password: creds.password, serveraddress: serverKey(server) } });
      await storeCredentials(authFile(ctx), server, creds);
      ctx.print(reply, reply.Status);
    }));
  program.command('logout').description('Forget the credentials of a registry')
    .argument('[server]', 'registry host[:port]', DEFAULT_SERVER)
    .action(app.action(async (ctx, server: string) => {
      const removed = await removeCredentials(authFile(ctx), server);
      const key = serverKey(server);
      ctx.print({ server: key, removed }, removed ? `Removing login credentials for ${key}` : `Not logged in to ${key}`);
    }));
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
