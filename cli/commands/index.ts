/**
 * Every `tspaas` command in help order: its help line (usage term and
 * summary) and the module that registers it. This file imports no command
 * module, so `tspaas --help` and `tspaas --version` load none, and a command
 * loads only its own (cli/lazy-commands.ts). The term is what commander
 * prints for the loaded command; test/cli/lazy-commands.test.ts checks that
 * every term and summary here matches what the modules register.
 */
import type { Command } from 'commander';
import type { App } from '../context.js';

/** What every command module exports: add its command(s) under `parent`. */
export interface CommandModule {
  register(parent: Command, app: App): void;
}

/** One command: `term` as its help prints it (`name|alias [options] <args>`), `summary`, and how to load its module. */
export interface LeafSpec {
  readonly term: string;
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

/** A command with subcommands (`container`, `image`, …); made by the loader itself, never by a module. */
export interface GroupSpec {
  readonly group: string;
  readonly summary: string;
  /** Subcommands stop parsing options at their first argument (run/create/exec: options after the image belong to the command). */
  readonly positionalOptions: boolean;
  readonly commands: readonly LeafSpec[];
}

export type CommandSpec = LeafSpec | GroupSpec;

const leaf = (term: string, summary: string, load: () => Promise<CommandModule>): LeafSpec => ({ term, summary, load });

const CONTAINER: readonly LeafSpec[] = [
  leaf('run [options] <image> [command...]', 'Create and run a new container from an image', () => import('./container/run.js')),
  leaf('create [options] <image> [command...]', 'Create a new container', () => import('./container/create.js')),
  leaf('start [options] <containers...>', 'Start one or more stopped containers', () => import('./container/start.js')),
  leaf('stop [options] <containers...>', 'Stop one or more running containers', () => import('./container/stop.js')),
  leaf('kill [options] <containers...>', 'Kill one or more running containers', () => import('./container/kill.js')),
  leaf('restart [options] <containers...>', 'Restart one or more containers', () => import('./container/restart.js')),
  leaf('rm|remove [options] <containers...>', 'Remove one or more containers', () => import('./container/rm.js')),
  leaf('wait [options] <containers...>', 'Block until containers stop, then print their exit codes', () => import('./container/wait.js')),
  leaf('pause [options] <containers...>', 'Pause all processes in containers', () => import('./container/pause.js')),
  leaf('unpause [options] <containers...>', 'Unpause all processes in containers', () => import('./container/pause.js')),
  leaf('rename [options] <container> <new-name>', 'Rename a container', () => import('./container/rename.js')),
  leaf('ps|ls [options]', 'List containers', () => import('./container/ps.js')),
  leaf('prune [options]', 'Remove all stopped containers', () => import('./container/prune.js')),
  leaf('logs [options] <container>', "Fetch a container's logs", () => import('./container/logs.js')),
  leaf('exec [options] <container> <command...>', 'Execute a command in a running container', () => import('./container/exec.js')),
  leaf('port [options] <container> [private-port]', 'List port mappings or a specific mapping for the container', () => import('./container/port.js')),
  leaf('top [options] <container> [ps-options...]', 'Display the running processes of a container', () => import('./container/top.js')),
  leaf('stats [options] [containers...]', 'Display resource usage of containers', () => import('./container/stats.js')),
  leaf('cp [options] <src> <dest>', 'Copy files between a container and the local filesystem', () => import('./container/cp.js')),
  leaf('inspect [options] <containers...>', 'Display detailed information on one or more containers', () => import('./container/inspect.js')),
  leaf('commit [options] <container> [repository[:tag]]', "Create a new image from a container's changes", () => import('./container/commit.js')),
  leaf('diff [options] <container>', "Inspect changes to files on a container's filesystem", () => import('./container/diff.js')),
  leaf('export [options] <container>', "Export a container's filesystem as a tar archive", () => import('./container/export.js')),
  leaf('attach [options] <container>', 'Attach local standard input, output and error to a running container', () => import('./container/attach.js')),
];

const IMAGE: readonly LeafSpec[] = [
  leaf('ls|list [options] [repository]', 'List images', () => import('./image/ls.js')),
  leaf('inspect [options] <images...>', 'Display detailed information on one or more images', () => import('./image/inspect.js')),
  leaf('history [options] <image>', 'Show the history of an image', () => import('./image/history.js')),
  leaf('tag [options] <source> <target>', 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', () => import('./image/tag.js')),
  leaf('rm|remove [options] <images...>', 'Remove one or more images', () => import('./image/rm.js')),
  leaf('prune [options]', 'Remove unused images', () => import('./image/prune.js')),
  leaf('save [options] <images...>', 'Save one or more images to a tar archive (stdout by default)', () => import('./image/save.js')),
  leaf('load [options]', 'Load images from a tar archive (stdin by default)', () => import('./image/load.js')),
  leaf('import [options] <file> [repository[:tag]]', 'Import a filesystem tar to create an image', () => import('./image/import.js')),
  leaf('pull [options] <image>', 'Pull an image from a registry, or make a base image (busybox, debian:bookworm)', () => import('./image/pull.js')),
  leaf('push [options] <image>', 'Push an image to a registry', () => import('./image/push.js')),
  leaf('build [options] <path>', 'Build an image from a Dockerfile', () => import('./image/build.js')),
];

const NETWORK: readonly LeafSpec[] = [
  leaf('ls|list [options]', 'List networks', () => import('./network/ls.js')),
  leaf('create [options] <name>', 'Create a network', () => import('./network/create.js')),
  leaf('inspect [options] <networks...>', 'Display detailed information on one or more networks', () => import('./network/inspect.js')),
  leaf('rm|remove [options] <networks...>', 'Remove one or more networks', () => import('./network/rm.js')),
  leaf('connect [options] <network> <container>', 'Connect a container to a network', () => import('./network/connect.js')),
  leaf('disconnect [options] <network> <container>', 'Disconnect a container from a network', () => import('./network/disconnect.js')),
  leaf('prune [options]', 'Remove all unused networks', () => import('./network/prune.js')),
];

const VOLUME: readonly LeafSpec[] = [
  leaf('ls|list [options]', 'List volumes', () => import('./volume/ls.js')),
  leaf('create [options] [name]', 'Create a volume', () => import('./volume/create.js')),
  leaf('inspect [options] <volumes...>', 'Display detailed information on one or more volumes', () => import('./volume/inspect.js')),
  leaf('rm|remove [options] <volumes...>', 'Remove one or more volumes', () => import('./volume/rm.js')),
  leaf('prune [options]', 'Remove unused volumes', () => import('./volume/prune.js')),
];

/** The top level of `tspaas`, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  { group: 'container', summary: 'Manage containers', positionalOptions: true, commands: CONTAINER },
  { group: 'image', summary: 'Manage images', positionalOptions: false, commands: IMAGE },
  { group: 'network', summary: 'Manage networks', positionalOptions: false, commands: NETWORK },
  { group: 'volume', summary: 'Manage volumes', positionalOptions: false, commands: VOLUME },
  leaf('up [options]', 'Start tspaasd and tspaas-router in the background (first start: prints the admin token once)', () => import('./system/up.js')),
  leaf('down [options]', 'Stop tspaasd and tspaas-router (containers keep running)', () => import('./system/down.js')),
  leaf('version [options]', 'Show the tspaas version information', () => import('./system/version.js')),
  leaf('info [options]', 'Display engine-wide information', () => import('./system/info.js')),
  leaf('build [options] <dir>', 'Build an image from source with buildpacks (no Dockerfile needed)', () => import('./build.js')),
  leaf('login [options] [server]', 'Log in to a platform (http[s]://host[:port]) with a token, or to a registry (host[:port]) with -u', () => import('./platform/auth.js')),
  leaf('logout [options] [server]', 'Forget the token of a platform, or the credentials of a registry', () => import('./platform/auth.js')),
  leaf('whoami [options]', 'Show the user of the current platform login', () => import('./platform/auth.js')),
  leaf('apps [options]', 'List the apps of your teams', () => import('./platform/apps.js')),
  leaf('apps:create [options] <name>', 'Create an app; in a git repo, add its "tspaas" remote', () => import('./platform/apps.js')),
  leaf('apps:info [options]', 'Show an app', () => import('./platform/apps.js')),
  leaf('apps:destroy [options]', 'Destroy an app and erase everything it had: processes, releases, domains, config, images, build caches, repository, logs', () => import('./platform/apps.js')),
  leaf('open [options]', "Print the app's URL and open it in a browser (xdg-open) on a terminal", () => import('./platform/apps.js')),
  leaf('dashboard [options]', 'Open the dashboard logged in (a one-time link, a minute); print the link when not on a terminal', () => import('./platform/dashboard.js')),
  leaf('git:remote [options]', 'Add (or repoint) the git remote of an app and the credential helper for pushes', () => import('./platform/git.js')),
  leaf('git:credential [options] <operation>', 'git credential helper for the platform (configured by apps:create and git:remote)', () => import('./platform/git.js')),
  leaf('config [options]', 'Show the config vars', () => import('./platform/config.js')),
  leaf('config:get [options] <name>', "Print one config var's value", () => import('./platform/config.js')),
  leaf('config:set [options] <NAME=value...>', 'Set config vars (a new release, deployed)', () => import('./platform/config.js')),
  leaf('config:unset [options] <NAME...>', 'Unset config vars (a new release, deployed)', () => import('./platform/config.js')),
  leaf('scale [options] [TYPE=N[:SIZE]...]', 'Show the formation, or change it: web=4 worker=1 web=2:standard-1x web=2:512M', () => import('./platform/ps.js')),
  leaf('ps [options] [type]', "List the app's processes", () => import('./platform/ps.js')),
  leaf('ps:restart [options] [target]', 'Restart processes: all, one type (web) or one process (web.1)', () => import('./platform/ps.js')),
  leaf('logs [options]', "Show (and with -f follow) the logs of the app's processes", () => import('./platform/logs.js')),
  leaf('builds [options]', "List the app's builds", () => import('./platform/logs.js')),
  leaf('builds:output [options] <id>', 'Print the log of a build (a failed one too); --json: the build and its lines', () => import('./platform/logs.js')),
  leaf('run [options] <command...>', 'Run a one-off process in a new container of the current release', () => import('./platform/run.js')),
  leaf('releases [options]', "List the app's releases, newest first", () => import('./platform/releases.js')),
  leaf('releases:info [options] <version>', 'Show one release', () => import('./platform/releases.js')),
  leaf('releases:output [options] <version>', 'Print the deploy log of a release (followed while it deploys)', () => import('./platform/releases.js')),
  leaf('rollback [options] <version>', 'Deploy a new release with the image and config of vN', () => import('./platform/releases.js')),
  leaf('domains [options]', "List the app's domains", () => import('./platform/domains.js')),
  leaf('domains:add [options] <hostname>', 'Route a hostname to the app', () => import('./platform/domains.js')),
  leaf('domains:remove [options] <hostname>', 'Stop routing a hostname to the app', () => import('./platform/domains.js')),
  leaf('certs [options]', "List the app's TLS certificates", () => import('./platform/domains.js')),
  leaf('certs:add [options] <cert-file> <key-file>', 'Add a TLS certificate (PEM chain and key) for the domains it covers', () => import('./platform/domains.js')),
  leaf('certs:remove [options] <name>', 'Remove a TLS certificate', () => import('./platform/domains.js')),
  leaf('plans [options]', 'List the process sizes (plans) on offer: memory, CPUs, CPU weight, processes', () => import('./platform/plans.js')),
  leaf('quota [options]', 'Show what your team uses against its quotas', () => import('./platform/quota.js')),
  leaf('teams:quota [options] <team>', 'Set the quotas of a team (admin); with no limit given, show them', () => import('./platform/quota.js')),
  leaf('registry:login [options] <host>', "Store a private registry's credentials for your team's Dockerfile builds (or one app's, with -a)", () => import('./platform/registry-logins.js')),
  leaf('registry:logout [options] <host>', "Forget a registry login of your team (or one app's, with -a)", () => import('./platform/registry-logins.js')),
  leaf('registry:list [options]', 'List the registry logins of your teams and their apps (hosts and users, never passwords)', () => import('./platform/registry-logins.js')),
  leaf('audit [options]', 'Show the audit log: who changed what, when, from where (admins: everything; others: their teams)', () => import('./platform/audit.js')),
  leaf('teams [options]', 'List your teams (admins: all) and your role in each', () => import('./platform/teams.js')),
  leaf('teams:create [options] <name>', 'Create a team (admins); its first member becomes its owner', () => import('./platform/teams.js')),
  leaf('teams:destroy [options] <name>', 'Delete a team that has no apps (owners, admins)', () => import('./platform/teams.js')),
  leaf('members [options]', 'List the members of a team and their roles', () => import('./platform/teams.js')),
  leaf('members:add [options] <email>', 'Add a user to a team with a role (owners, admins)', () => import('./platform/teams.js')),
  leaf('members:remove [options] <email>', 'Remove a user from a team (owners, admins; never the last owner)', () => import('./platform/teams.js')),
  leaf('members:set-role [options] <email>', "Change a member's role (owners, admins; never the last owner's)", () => import('./platform/teams.js')),
  leaf('users [options]', 'List the platform\'s users (admins)', () => import('./platform/users.js')),
  leaf('users:create [options] <email>', 'Create a user (admins), a member of the teams given', () => import('./platform/users.js')),
  leaf('users:destroy [options] <email>', 'Delete a user and revoke their tokens at once (admins; not yourself)', () => import('./platform/users.js')),
  leaf('tokens [options]', 'List your API tokens: name, prefix, created, expires, last used, status (never a secret)', () => import('./platform/tokens.js')),
  leaf('tokens:create [options] <name>', 'Create an API token; its secret is printed this once', () => import('./platform/tokens.js')),
  leaf('tokens:revoke [options] <name>', 'Revoke an API token by name or id: refused everywhere from now on', () => import('./platform/tokens.js')),
];
