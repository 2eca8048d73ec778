/**
 * The platform's commands (issue 7 §14), Heroku-style colon names at the top
 * level: login/logout/whoami, apps*, git:*, config*, scale, ps*, logs,
 * builds*, run, releases*, rollback, domains*, certs*, open, plans, registry:*. Each one finds
 * the app, calls the platform API (platform/api/types.ts) and prints.
 */
import type { Command } from 'commander';
import type { App } from '../../context.js';
import * as apps from './apps.js';
import * as auth from './auth.js';
import * as config from './config.js';
import * as domains from './domains.js';
import * as git from './git.js';
import * as logs from './logs.js';
import * as plans from './plans.js';
import * as registryLogins from './registry-logins.js';
import * as ps from './ps.js';
import * as releases from './releases.js';
import * as run from './run.js';

/** Add the platform commands to the program. */
export function register(program: Command, app: App): void {
  for (const group of [auth, apps, git, config, ps, logs, run, releases, domains, plans, registryLogins]) group.register(program, app);
}
