/**
 * `tspaas login [url]`, `logout [url]`, `whoami`. One `login` and one
 * `logout` serve both kinds of server: an argument with http:// or https://
 * is a platform (token checked with GET /v1/whoami, kept in platform.json);
 * one without a scheme is a registry (cli/commands/registry). With no
 * argument they mean the current platform when there is one, else Docker Hub.
 * `logout http://host:port` of a URL that is no platform login forgets the
 * registry credentials of host:port (as it always did).
 */
import type { Command } from 'commander';
import type { User } from '../../../platform/api/types.js';
import type { App, CliContext } from '../../context.js';
import { PlatformClient, PlatformError } from '../../platform-client.js';
import { isPlatformUrl, platformUrl, readLogins, removeLogin, storeLogin } from '../../platform-credentials.js';
import { registryLogin, registryLogout, type LoginOpts } from '../registry/index.js';
import { platformAction, reportingErrors } from './shared.js';
import { userLine } from './tables.js';

interface Opts extends LoginOpts { token?: string }

/** Add `login`, `logout` and `whoami` to the program. */
export function register(program: Command, app: App): void {
  program.command('login').description('Log in to a platform (http[s]://host[:port]) with a token, or to a registry (host[:port]) with -u')
    .argument('[server]', 'platform URL, or registry host[:port] (default: the current platform, else docker.io)')
    .option('--token <token>', 'platform API token (default: read from stdin, without echo on a terminal)')
    .option('-u, --username <name>', 'registry user name')
    .option('-p, --password <password>', 'registry password (prefer --password-stdin)')
    .option('--password-stdin', 'read the registry password from stdin')
    .action(app.action(async (ctx, server: string | undefined, opts: Opts) => {
      const platform = await platformMeant(ctx, server, opts.token !== undefined || !(opts.username || opts.password || opts.passwordStdin));
      if (!platform) return registryLogin(ctx, server, opts);
      await reportingErrors(ctx, () => login(ctx, platform, opts.token));
    }));
  program.command('logout').description('Forget the token of a platform, or the credentials of a registry')
    .argument('[server]', 'platform URL, or registry host[:port] (default: the current platform, else docker.io)')
    .action(app.action(async (ctx, server: string | undefined) => {
      const platform = await platformMeant(ctx, server, true);
      if (!platform || !(await loggedIn(ctx, platform))) return registryLogout(ctx, server);
      const removed = await removeLogin(loginsFile(ctx), platform);
      ctx.print({ url: platform, removed: removed !== null }, removed ? `Logged out of ${platform}` : `Not logged in to ${platform}`);
    }));
  program.command('whoami').description('Show the user of the current platform login')
    .action(platformAction(app, async (ctx) => {
      const api = await ctx.platform();
      const user = await api.json<User>('GET', '/whoami');
      ctx.print(user, userLine(user, api.url));
    }));
}

/** The platform URL the argument means, or null for a registry. */
async function platformMeant(ctx: CliContext, server: string | undefined, platformWithoutArg: boolean): Promise<string | null> {
  if (server) return isPlatformUrl(server) ? platformUrl(server) : null;
  if (!platformWithoutArg || !ctx.config.platformFile) return null;
  return (await readLogins(ctx.config.platformFile)).current;
}

async function loggedIn(ctx: CliContext, url: string): Promise<boolean> {
  return !!ctx.config.platformFile && url in (await readLogins(ctx.config.platformFile)).servers;
}

async function login(ctx: CliContext, url: string, given: string | undefined): Promise<void> {
  const token = (given ?? await readToken(ctx)).trim();
  if (!token) throw new PlatformError('Invalid', 'no token given', 'pass --token TOKEN, or type it when asked');
  const user = await new PlatformClient(url, token).json<User>('GET', '/whoami');
  await storeLogin(loginsFile(ctx), url, token);
  ctx.print({ url, user }, `Logged in to ${url} as ${user.email}`);
}

/** The token from stdin: asked for without echo on a terminal, else its first line. */
async function readToken(ctx: CliContext): Promise<string> {
  const { stdin, stderr } = ctx.io;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  // Echo off before the prompt shows, so nothing typed (or pasted) right after it is echoed.
  stdin.setRawMode(true);
  stderr.write('Token: ');
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (b: Buffer) => {
        for (const ch of b.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(() => resolve(typed));
          if (ch === '\x03') return finish(() => reject(new PlatformError('Invalid', 'login cancelled')));
          typed = ch === '\x7f' ? typed.slice(0, -1) : typed + ch;
        }
      };
      const finish = (then: () => void) => { stdin.off('data', onData); stdin.pause(); stderr.write('\n'); then(); };
      stdin.on('data', onData).resume();
    });
  } finally {
    stdin.setRawMode(false);
  }
}

function loginsFile(ctx: CliContext): string {
  if (!ctx.config.platformFile) throw new PlatformError('Invalid', 'no place to keep logins', 'set TSPAAS_CONFIG_DIR');
  return ctx.config.platformFile;
}

