/**
 * The OpenAPI 3.1 description of the API (served at GET /v1/openapi.json).
 * Written by hand from platform/api/types.ts; schemas come from schemas.ts.
 * test/platform/api/openapi.test.ts fails when these paths and the koa
 * router's routes drift apart. Each operation declares the role it needs
 * (`role`), the one place both the enforcement (api/roles.ts) and the
 * document read it from.
 */
import type { Need } from '../auth/roles.js';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './schemas.js';

type Json = Record<string, unknown>;

/** One operation: what it takes and gives. */
interface Op {
  summary: string;
  body?: keyof typeof REQUEST_SCHEMAS;
  /** Schema name, `[Name]` for an array of it, or the media kind of a stream. */
  returns?: string | [string] | 'ndjson' | 'text' | 'websocket';
  status?: 200 | 201 | 202 | 204;
  query?: Array<{ name: string; schema: Json; description: string }>;
  /**
   * Who may call it (auth/roles.ts), enforced for every route by
   * api/roles.ts and served as `x-tspaas-role`: `public` (no token), `user`
   * (any caller), `self` (the user `{email}` names, or an admin), `viewer`
   * / `member` / `owner` (that role, or a higher one, in the team of
   * `{app}` or `{team}`, or of the team or app named in the body or query,
   * which the operation checks), `admin`.
   */
  role: Need;
  /** The 403 message of an `admin` operation, when a better one than "only admins may do this" says why. */
  adminOnly?: string;
}

const TEAM = { name: 'team', schema: { type: 'string' }, description: 'the team (default: your only team)' };
const FOLLOW = { name: 'follow', schema: { enum: ['0', '1'] }, description: '1: keep the stream open for new lines' };

/** Every path of the API: method → operation. Paths use OpenAPI's `{param}` form. */
export const OPERATIONS: Record<string, Record<string, Op>> = {
  '/v1/health': { get: { summary: 'Liveness', role: 'public' } },
  '/v1/openapi.json': { get: { summary: 'This document', role: 'public' } },
  '/v1/whoami': { get: { summary: 'The caller', returns: 'User', role: 'user' } },
  '/v1/plans': { get: { summary: 'The process sizes on offer, and whether this host can run each', returns: ['PlanInfo'], role: 'user' } },
  '/v1/status': { get: { summary: 'Version and job queue counts of the whole platform', returns: 'Status', role: 'admin', adminOnly: 'only admins may see the platform status (it counts the jobs of every team)' } },
  '/v1/teams': {
    get: { summary: 'Teams (admins: all; others: theirs) with your role in each', returns: ['TeamInfo'], role: 'user' },
    post: { summary: 'Create a team', body: 'CreateTeam', returns: 'Team', status: 201, role: 'admin' },
  },
  '/v1/teams/{team}': {
    delete: { summary: 'Delete a team without apps (409 names the apps it still has); its members stay, without it', status: 204, role: 'owner' },
  },
  '/v1/teams/{team}/members': {
    get: { summary: 'Members of the team and their roles, owners first', returns: ['Member'], role: 'viewer' },
    post: { summary: 'Add an existing user to the team with a role (default member)', body: 'AddMember', returns: 'Member', role: 'owner' },
  },
  '/v1/teams/{team}/members/{email}': {
    patch: { summary: 'Change a member\'s role (never the last owner\'s)', body: 'SetRole', returns: 'Member', role: 'owner' },
    delete: { summary: 'Remove a member from the team (never the last owner)', status: 204, role: 'owner' },
  },
  '/v1/teams/{team}/quota': {
    get: { summary: 'The team\'s quotas (null = unlimited) and its use (admins, and the team\'s owners)', returns: 'TeamQuota', role: 'owner' },
    put: { summary: 'Replace the team\'s quotas (fields left out: unlimited)', body: 'SetQuota', returns: 'TeamQuota', role: 'admin' },
    patch: { summary: 'Change some of the team\'s quotas (null: unlimited)', body: 'SetQuota', returns: 'TeamQuota', role: 'admin' },
  },
  '/v1/users': {
    get: { summary: 'Users', returns: ['User'], role: 'admin' },
    post: { summary: 'Create a user', body: 'CreateUser', returns: 'User', status: 201, role: 'admin' },
  },
  '/v1/users/{email}': {
    delete: { summary: 'Delete a user and revoke their tokens at once (not yourself)', status: 204, role: 'admin' },
  },
  '/v1/users/{email}/tokens': {
    get: { summary: 'The user\'s API tokens (`me`: yours), revoked and expired ones included; never a secret', returns: ['TokenInfo'], role: 'self' },
    post: { summary: 'Create an API token (`me`: for yourself), optionally expiring; the secret is in this answer only', body: 'CreateToken', returns: 'NewToken', status: 201, role: 'self' },
  },
  '/v1/users/{email}/tokens/{token}': {
    delete: { summary: 'Revoke a token, by name or id: refused at once everywhere', status: 204, role: 'self' },
  },
  '/v1/dashboard/login-links': {
    post: { summary: 'A one-time dashboard login link (a minute, once) for the calling token', returns: 'LoginLink', status: 201, role: 'user' },
  },
  '/v1/apps': {
    get: { summary: 'Apps of the caller\'s teams', returns: ['AppInfo'], role: 'user' },
    post: { summary: 'Create an app', body: 'CreateApp', returns: 'AppInfo', status: 201, role: 'member' },
  },
  '/v1/apps/{app}': {
    get: { summary: 'App info', returns: 'AppInfo', role: 'viewer' },
    delete: { summary: 'Destroy the app', status: 204, query: [{ name: 'confirm', schema: { type: 'string' }, description: 'the app\'s name again' }], role: 'owner' },
  },
  '/v1/apps/{app}/config': {
    get: { summary: 'Config vars of the current release', returns: 'ConfigPatch', role: 'viewer' },
    patch: { summary: 'Set (string) or unset (null) config vars: a new release', body: 'ConfigPatch', returns: 'ConfigChanged', role: 'member' },
  },
  '/v1/apps/{app}/releases': { get: { summary: 'Releases, newest first', returns: ['Release'], role: 'viewer' } },
  '/v1/apps/{app}/releases/{version}': { get: { summary: 'One release', returns: 'Release', role: 'viewer' } },
  '/v1/apps/{app}/releases/{version}/events': { get: { summary: 'Deploy events (NDJSON of PlatformEvent) until the deploy ends', returns: 'ndjson', role: 'member' } },
  '/v1/apps/{app}/rollback': { post: { summary: 'New release from an old one', body: 'Rollback', returns: 'Release', status: 201, role: 'member' } },
  '/v1/apps/{app}/builds': { get: { summary: 'Builds, newest first', returns: ['Build'], role: 'viewer' } },
  '/v1/apps/{app}/builds/{id}': { get: { summary: 'One build (a failed one with its reason in `error`)', returns: 'Build', role: 'viewer' } },
  '/v1/apps/{app}/builds/{id}/log': { get: { summary: 'Build output (text)', returns: 'text', query: [FOLLOW], role: 'member' } },
  '/v1/apps/{app}/formation': {
    get: { summary: 'Formation', returns: ['FormationEntry'], role: 'viewer' },
    patch: { summary: 'Scale', body: 'Scale', returns: ['FormationEntry'], role: 'member' },
  },
  '/v1/apps/{app}/processes': { get: { summary: 'Processes', returns: ['ProcessInfo'], role: 'viewer' } },
  '/v1/apps/{app}/processes/restart': { post: { summary: 'Restart all, a type or one process', body: 'Restart', status: 202, role: 'member' } },
  '/v1/apps/{app}/logs': {
    get: {
      summary: 'Logs (NDJSON of LogEntry)', returns: 'ndjson', query: [FOLLOW,
        { name: 'tail', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'last N lines per process' },
        { name: 'ps', schema: { type: 'string' }, description: 'a type (web) or a process (web.1)' }],
      role: 'member',
    },
  },
  '/v1/apps/{app}/run': {
    post: { summary: 'Start a detached one-off', body: 'RunDetached', returns: 'RunStarted', status: 201, role: 'member' },
    get: { summary: 'Interactive one-off over a WebSocket (RunMessage frames)', returns: 'websocket', role: 'member' },
  },
  '/v1/apps/{app}/domains': {
    get: { summary: 'Custom domains', returns: ['Domain'], role: 'viewer' },
    post: { summary: 'Add a domain', body: 'AddDomain', returns: 'Domain', status: 201, role: 'member' },
  },
  '/v1/apps/{app}/domains/{hostname}': { delete: { summary: 'Remove a domain', status: 204, role: 'member' } },
  '/v1/apps/{app}/certs': {
    get: { summary: 'Certificates', returns: ['Certificate'], role: 'viewer' },
    post: { summary: 'Add a certificate; domains it covers use it', body: 'AddCert', returns: 'Certificate', status: 201, role: 'member' },
  },
  '/v1/apps/{app}/certs/{name}': { delete: { summary: 'Remove a certificate', status: 204, role: 'member' } },
  '/v1/apps/{app}/activity': { get: { summary: 'Audit log of the app', returns: ['AuditEntry'], role: 'viewer' } },
  '/v1/audit': {
    get: {
      summary: 'The audit log, newest first (admins: every row; others: their teams\' rows and their own)', returns: ['AuditEntry'], role: 'user', query: [
        { name: 'app', schema: { type: 'string' }, description: 'rows of the app of this name (a destroyed one\'s too)' },
        { name: 'team', schema: { type: 'string' }, description: 'rows of this team' },
        { name: 'since', schema: { type: 'string' }, description: 'rows since a duration ago (30m, 2h, 7d) or an ISO time' },
        { name: 'limit', schema: { type: 'string', pattern: '^[0-9]+$' }, description: 'at most this many rows (default 100, at most 1000)' }],
    },
  },
  '/v1/registry-logins': {
    get: { summary: 'Registry logins of your teams and their apps (hosts and users, never passwords)', returns: ['RegistryLogin'], query: [TEAM], role: 'viewer' },
    put: { summary: 'Store a private registry\'s credentials for the Dockerfile builds of a team (or, with app, of one app)', body: 'SetRegistryLogin', returns: 'RegistryLogin', role: 'member' },
  },
  '/v1/registry-logins/{host}': {
    delete: { summary: 'Forget a registry login of a team (or, with app, of one app)', status: 204, query: [TEAM, { name: 'app', schema: { type: 'string' }, description: 'the app whose own login it is' }], role: 'member' },
  },
};

/** The document, with `servers` pointing at the public URL. */
export function openApiDocument(publicUrl: string, version: string): Json {
  const paths: Json = {};
  for (const [path, ops] of Object.entries(OPERATIONS)) {
    const item: Json = {};
    for (const [method, op] of Object.entries(ops)) item[method] = operation(path, op);
    paths[path] = item;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tspaas platform API', version },
    servers: [{ url: publicUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'tsp_… API token' } },
      schemas: { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS },
    },
  };
}

function operation(path: string, op: Op): Json {
  const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const query = (op.query ?? []).map((q) => ({ ...q, in: 'query', required: false }));
  const status = String(op.status ?? 200);
  return {
    summary: op.summary + (op.role === 'admin' ? ' (admin)' : ''),
    'x-tspaas-role': op.role,
    ...(op.role === 'public' ? { security: [] } : {}),
    parameters: [...params, ...query],
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.body}` } } } } } : {}),
    responses: { [status]: response(op), default: { description: 'Error', content: json({ $ref: '#/components/schemas/ApiError' }) } },
  };
}

function response(op: Op): Json {
  const r = op.returns;
  if (r === undefined) return { description: op.status === 204 ? 'Done' : 'OK', ...(op.status === 202 ? { content: json({ type: 'object' }) } : {}) };
  if (r === 'ndjson') return { description: 'Stream, one JSON object a line', content: { 'application/x-ndjson': { schema: { type: 'string' } } } };
  if (r === 'text') return { description: 'Text', content: { 'text/plain': { schema: { type: 'string' } } } };
  if (r === 'websocket') return { description: 'Switching protocols (send Upgrade: websocket); frames per RunMessage' };
  const schema = Array.isArray(r) ? { type: 'array', items: { $ref: `#/components/schemas/${r[0]}` } } : { $ref: `#/components/schemas/${r}` };
  return { description: 'OK', content: json(schema) };
}

const json = (schema: Json): Json => ({ 'application/json': { schema } });
