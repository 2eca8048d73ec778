/**
 * The platform's HTTP API contract (`/v1`), shared with the CLI (cli/ may
 * import these *types* only). The OpenAPI description served at
 * `GET /v1/openapi.json` (api/openapi.ts) describes exactly these paths and
 * shapes; a test keeps the two in step with the routes.
 *
 * Authentication: `Authorization: Bearer <token>` on every path except
 * `/v1/openapi.json` and `/v1/health`. Git over HTTP (`/git/<app>.git`) takes
 * the same token as the Basic-auth password (any user name), given by the git
 * credential helper the CLI configures (`tspaas git:credential`).
 *
 * Roles: each route needs a role in the team it acts on (viewer, member,
 * owner; auth/roles.ts), or is for any caller, the user it names, or admins:
 * its operation's `x-tspaas-role` in the OpenAPI document. A non-member
 * gets 404 for the team's apps and the team; a member with too low a role
 * 403 naming the role needed and theirs. A revoked or expired token is 401
 * with the reason ("token revoked (at …)", "token expired at …").
 *
 * Errors: a JSON body `{ "error": { "kind", "message", "hint"? } }` with
 * 400 Invalid (also NUL or invalid UTF-8 in a path, query or body, and a
 * request node's parser refuses), 401 Unauthorized (missing or unknown
 * token), 403 Forbidden, 404 NotFound (also for apps of other teams),
 * 409 Conflict, 431 (a request head over 16 KiB), 503 Unavailable,
 * 500 Internal (message generic; details only in the daemon's log).
 *
 * Paths (app = the app's name)
 *   GET    /v1/health                         → { ok: true }                       (no auth)
 *   GET    /v1/openapi.json                   → OpenAPI 3.1 document               (no auth)
 *   GET    /v1/whoami                         → User
 *   GET    /v1/plans                          → PlanInfo[]        (the process sizes on offer)
 *   GET    /v1/status                         → Status            (admin)
 *   GET    /v1/teams                          → TeamInfo[]        (admin: all; others: theirs, with their role)
 *   POST   /v1/teams            CreateTeam    → Team              (admin)
 *   DELETE /v1/teams/:team                    → 204               (owner; refused while it has apps)
 *   GET    /v1/teams/:team/members            → Member[]          (viewer)
 *   POST   /v1/teams/:team/members  AddMember → Member            (owner)
 *   PATCH  /v1/teams/:team/members/:email  SetRole → Member       (owner; never the last owner)
 *   DELETE /v1/teams/:team/members/:email     → 204               (owner; never the last owner)
 *   GET    /v1/teams/:team/quota              → TeamQuota         (owner; admin)
 *   PUT    /v1/teams/:team/quota  SetQuota    → TeamQuota         (admin; fields left out: unlimited)
 *   PATCH  /v1/teams/:team/quota  SetQuota    → TeamQuota         (admin; fields left out: unchanged)
 *   GET    /v1/users                          → User[]            (admin)
 *   POST   /v1/users            CreateUser    → User              (admin)
 *   DELETE /v1/users/:email                   → 204               (admin)
 *   GET    /v1/users/:email/tokens            → TokenInfo[]       (admin, or the user themself; `me` = the caller)
 *   POST   /v1/users/:email/tokens CreateToken → NewToken         (admin, or the user themself)
 *   DELETE /v1/users/:email/tokens/:token     → 204               (revoke by name or id; admin, or the user themself)
 *   POST   /v1/dashboard/login-links          → LoginLink         (a one-time dashboard login as the calling token)
 *   GET    /v1/apps                           → AppInfo[]
 *   POST   /v1/apps             CreateApp     → AppInfo
 *   GET    /v1/apps/:app                      → AppInfo
 *   DELETE /v1/apps/:app?confirm=:app         → 204
 *   GET    /v1/apps/:app/config               → Record<string, string>
 *   PATCH  /v1/apps/:app/config   ConfigPatch → ConfigChanged     (null value = unset)
 *   GET    /v1/apps/:app/releases             → Release[]         (newest first)
 *   GET    /v1/apps/:app/releases/:version    → Release
 *   GET    /v1/apps/:app/releases/:version/events → NDJSON stream of PlatformEvent, ends when the deploy ends
 *   POST   /v1/apps/:app/rollback  Rollback   → Release           (the new release; its deploy is queued)
 *   GET    /v1/apps/:app/builds               → Build[]
 *   GET    /v1/apps/:app/builds/:id           → Build
 *   GET    /v1/apps/:app/builds/:id/log?follow=1 → text/plain, line by line
 *   GET    /v1/apps/:app/formation            → FormationEntry[]
 *   PATCH  /v1/apps/:app/formation  Scale     → FormationEntry[]
 *   GET    /v1/apps/:app/processes            → ProcessInfo[]
 *   POST   /v1/apps/:app/processes/restart  Restart → 202 { queued: true }
 *   GET    /v1/apps/:app/logs?follow=1&tail=N&ps=web → NDJSON stream of LogEntry
 *   POST   /v1/apps/:app/run    RunDetached   → RunStarted        (`run --detach`)
 *   GET    /v1/apps/:app/run    (WebSocket)   → interactive one-off, see RunMessage
 *   GET    /v1/apps/:app/domains              → Domain[]
 *   POST   /v1/apps/:app/domains  AddDomain   → Domain
 *   DELETE /v1/apps/:app/domains/:hostname    → 204
 *   GET    /v1/apps/:app/certs                → Certificate[]
 *   POST   /v1/apps/:app/certs    AddCert     → Certificate       (domains it covers get it)
 *   DELETE /v1/apps/:app/certs/:name          → 204
 *   GET    /v1/apps/:app/activity             → AuditEntry[]
 *   GET    /v1/audit?app=&team=&since=&limit= → AuditEntry[]      (admin: every row; others: their teams' and their own)
 *   GET    /v1/registry-logins?team=:team     → RegistryLogin[]   (the caller's teams and their apps; never a password)
 *   PUT    /v1/registry-logins  SetRegistryLogin → RegistryLogin  (a team's, or with `app` one app's; replaces the same host's)
 *   DELETE /v1/registry-logins/:host?team=:team&app=:app → 204
 */
import type {
  Build, Certificate, Domain, FormationEntry, LogEntry, Plan, PlatformEvent, ProcessInfo, QuotaLimits, Release, Team, TeamRole, User,
} from '../types.js';

export type { Build, Certificate, Domain, FormationEntry, LogEntry, Plan, PlatformEvent, ProcessInfo, QuotaLimits, Release, Team, TeamRole, User };

export const API_PREFIX = '/v1';

export interface ApiError {
  error: { kind: string; message: string; hint?: string };
}

export interface Status {
  version: string;
  /** Queue → state → count (waiting, active, delayed, failed, completed). */
  jobs: Record<string, Record<string, number>>;
}

export interface CreateTeam { name: string }
/** A team as its members list it: with the caller's role there (null: an admin who is not a member). */
export interface TeamInfo extends Team { role: TeamRole | null }
/** `role` default: `member` (`owner` when the team has no members yet). */
export interface AddMember { email: string; role?: TeamRole }
export interface SetRole { role: TeamRole }
export interface Member { email: string; role: TeamRole }
/** The users made are their teams' members (the first member of a team its owner). */
export interface CreateUser { email: string; teams: string[]; admin?: boolean }
/**
 * `name`: unique among the user's tokens that are not revoked (default
 * `token-` + 12 hex digits); `expires`: a duration (`30d`, `12h`, `2w`) or
 * an ISO 8601 date or time (`2027-01-31`, `2027-01-31T12:00:00Z`); none: never.
 */
export interface CreateToken { name?: string; description?: string; expires?: string }
/** The secret is shown once; only its hash is kept. */
export interface NewToken { id: string; name: string; token: string; description: string; createdAt: string; expiresAt: string | null }
/** A token as listed: never its secret; `prefix` is its first 8 characters. */
export interface TokenInfo {
  id: string;
  name: string;
  prefix: string;
  description: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/**
 * A private registry's credentials for Dockerfile builds (issue 14, part R):
 * of `app` when given (used instead of its team's for the same host), else
 * of `team` (may be left out when the caller is in exactly one team).
 * `host` is `host[:port]` (a scheme or `/v2/` path is dropped); Docker Hub
 * is refused (it is reached through the operator's mirrors).
 */
export interface SetRegistryLogin { host: string; username: string; password: string; team?: string; app?: string }

/** A stored registry login as listed: never its password. */
export interface RegistryLogin {
  host: string;
  username: string;
  team: string;
  /** The app it is for; null for the whole team. */
  app: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Issue 17, part 1: a team's limits to set (admin). `PUT` replaces them all (a
 * field left out is unlimited), `PATCH` changes the fields given; null = unlimited.
 */
export type SetQuota = Partial<QuotaLimits>;

/** What a team uses now, measured as its quotas count it (platform/control/quotas.ts). */
export interface QuotaUse {
  apps: number;
  processes: number;
  memoryBytes: number;
  cpus: number;
  /** Minutes its builds took today (UTC), running ones until now. */
  buildMinutes: number;
  /** Builds pending or running. */
  builds: number;
  /** Images and build caches of its apps; null when the engine could not be asked. */
  diskBytes: number | null;
  domains: number;
}

/** `GET /v1/teams/:team/quota`: each limit (null = unlimited) and the use against it. */
export interface TeamQuota { team: string; limits: QuotaLimits; use: QuotaUse }

/** `team` may be left out when the caller is in exactly one team. */
export interface CreateApp { name: string; team?: string }

export interface AppInfo {
  name: string;
  team: string;
  /** `http://<app>.<base-domain>[:port]`. */
  url: string;
  /** `<publicUrl>/git/<app>.git`. */
  gitUrl: string;
  /** Version of the release serving now, or null before the first deploy. */
  currentVersion: number | null;
  formation: FormationEntry[];
  domains: string[];
  createdAt: string;
}

/** name → value to set, or null to unset. */
export type ConfigPatch = Record<string, string | null>;
export interface ConfigChanged { config: Record<string, string>; release: Release }

export interface Rollback { version: number }

/**
 * A plan (`GET /v1/plans`), whether processes and one-offs that name none
 * get it (`default`), whether builds run with it (`build`), and whether this
 * host can run it (`fits`: a size larger than the host is refused).
 */
export interface PlanInfo extends Plan { default: boolean; build: boolean; fits: boolean }

/**
 * `size`: a plan's name (`standard-1x`), or memory like `512M`, `1G` (the
 * smallest plan with at least that much, with exactly that memory).
 */
export interface Scale { updates: Array<{ type: string; quantity?: number; size?: string }> }

/** No target: every process; `web`: one type; `web.2`: one process. */
export interface Restart { target?: string }

export interface RunDetached { command: string[]; env?: Record<string, string>; size?: string }
export interface RunStarted { name: string; containerId: string }

/**
 * The interactive one-off over a WebSocket (`GET /v1/apps/:app/run`, token in
 * the Authorization header). Text frames carry JSON RunMessages, binary
 * frames carry the process's bytes: client → server = stdin; server → client
 * = output, whose first byte says the stream (1 stdout, 2 stderr) when there
 * is no tty, and which is raw when there is one.
 * Order: client sends `start`; server answers `started` (or `error` and
 * closes); then bytes and `resize` flow; the client sends `eof` when its
 * stdin ends (the server closes the process's stdin, as `echo x | tspaas run
 * cat` needs); the server sends `exit` and closes.
 * `command` (here and in RunDetached) is the words the user typed after
 * `tspaas run`, unchanged; like Heroku, the platform runs them through a
 * shell (`/bin/sh -c "<words joined by spaces>"`), so `tspaas run 'exit 7'`
 * and `tspaas run echo '$DYNO'` work.
 */
export type RunMessage =
  | { type: 'start'; command: string[]; tty: boolean; env?: Record<string, string>; rows?: number; cols?: number; size?: string }
  | { type: 'started'; name: string; containerId: string }
  | { type: 'resize'; rows: number; cols: number }
  | { type: 'eof' }
  | { type: 'exit'; code: number }
  | { type: 'error'; message: string };

export interface AddDomain { hostname: string }
export interface AddCert { cert: string; key: string; name?: string }

/**
 * One change, as the audit log keeps it (`GET /v1/audit`, an app's
 * `activity`). `user`, `team` and `app` are names kept as they were when the
 * change was made, so they outlive the user, team or app. `details` name
 * what changed (config var names, hostnames, versions), never a value.
 */
export interface AuditEntry {
  time: string;
  /** The caller's email; null for changes the platform made itself. */
  user: string | null;
  /** The client's IP address (the API request's, the git push's, the run socket's); null when not known. */
  address: string | null;
  team: string | null;
  app: string | null;
  /** `apps.create`, `config.set`, `git.push`… (docs/api.md, "Audit"). */
  action: string;
  details: Record<string, unknown>;
}

/** A one-time dashboard login (`tspaas dashboard`): open `url` within a minute, once; the browser is then logged in as the token that asked. */
export interface LoginLink { url: string; expiresAt: string }
