/**
 * JSON Schemas of the API's bodies (requests and responses), the single
 * source for both the OpenAPI document (openapi.ts) and request validation
 * (validate.ts). Written in the subset that JSON Schema draft-07 and 2020-12
 * (OpenAPI 3.1) read alike. Response schemas refer to each other with
 * `#/components/schemas/<Name>`.
 */

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema =>
  ({ type: 'object', properties, required, additionalProperties: false, ...extra });
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const time = str({ format: 'date-time' });
const dict = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });

export const TEAM_NAME = '^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$';
export const APP_NAME = '^[a-z][a-z0-9-]{0,28}[a-z0-9]$';
export const EMAIL = '^[^@\\s]+@[^@\\s]+$';
export const PROCESS_TYPE = '^[a-z][a-z0-9_-]{0,29}$';
/** A plan's name (any case, as Heroku takes `Standard-1X`) or memory like `512M`. */
export const SIZE = '^([0-9]+[kKmMgG]|[A-Za-z][A-Za-z0-9-]{0,29})$';

export const TOKEN_NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
const ROLE: Schema = { enum: ['owner', 'member', 'viewer'] };

/** A one-off's argv: Linux takes at most 128 KiB per argument (MAX_ARG_STRLEN); we take 32 KiB and 1000 of them. */
const COMMAND: Schema = { type: 'array', minItems: 1, maxItems: 1000, items: str({ maxLength: 32768 }) };
/** Extra env of a one-off: names and values bounded like config vars. */
const ENV: Schema = { ...dict(str({ maxLength: 65536 })), propertyNames: { maxLength: 200 } };

/** A quota's count and bytes (issue 17, part 1). */
const COUNT: Schema = { type: 'integer', minimum: 0, maximum: 999999999 };
const BYTES: Schema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

/** Bodies clients send; validate.ts compiles each of these. */
export const REQUEST_SCHEMAS = {
  CreateTeam: obj({ name: str({ pattern: TEAM_NAME }) }, ['name']),
  AddMember: obj({ email: str({ pattern: EMAIL, maxLength: 254 }), role: ROLE }, ['email']),
  SetRole: obj({ role: ROLE }, ['role']),
  CreateUser: obj({
    email: str({ pattern: EMAIL, maxLength: 254 }),
    teams: { type: 'array', items: str({ pattern: TEAM_NAME }), uniqueItems: true },
    admin: { type: 'boolean' },
  }, ['email', 'teams']),
  CreateToken: obj({
    name: str({ pattern: TOKEN_NAME }), description: str({ maxLength: 200 }),
    expires: str({ maxLength: 40, description: 'a duration (30d, 12h, 2w) or an ISO 8601 date or time; none: never' }),
  }),
  CreateApp: obj({ name: str({ pattern: APP_NAME }), team: str({ pattern: TEAM_NAME }) }, ['name']),
  ConfigPatch: { type: 'object', propertyNames: { maxLength: 200 }, additionalProperties: { anyOf: [str({ maxLength: 65536 }), { type: 'null' }] } },
  Rollback: obj({ version: { type: 'integer', minimum: 1 } }, ['version']),
  Scale: obj({
    updates: {
      type: 'array', minItems: 1, maxItems: 50,
      items: obj({ type: str({ pattern: PROCESS_TYPE }), quantity: { type: 'integer', minimum: 0, maximum: 100 }, size: str({ pattern: SIZE }) }, ['type']),
    },
  }, ['updates']),
  Restart: obj({ target: str({ pattern: '^[a-z][a-z0-9_-]{0,29}(\\.[1-9][0-9]*)?$' }) }),
  RunDetached: obj({
    command: COMMAND,
    env: ENV,
    size: str({ pattern: SIZE }),
  }, ['command']),
  RunStart: obj({
    type: { const: 'start' },
    command: COMMAND,
    tty: { type: 'boolean' },
    env: ENV,
    rows: { type: 'integer', minimum: 1, maximum: 1000 },
    cols: { type: 'integer', minimum: 1, maximum: 1000 },
    size: str({ pattern: SIZE }),
  }, ['type', 'command', 'tty']),
  // The rules (DNS names only; no IP, localhost, public suffix or platform name) are checked in
  // control/hostnames.ts, which says which one a name breaks; 254 leaves room for a trailing dot.
  AddDomain: obj({ hostname: str({ minLength: 1, maxLength: 254, description: 'a DNS host name (shop.example.com) or a wildcard (*.example.com); case and a trailing dot are ignored' }) }, ['hostname']),
  SetRegistryLogin: obj({
    host: str({ minLength: 1, maxLength: 300 }), username: str({ minLength: 1, maxLength: 255 }), password: str({ minLength: 1, maxLength: 8192 }),
    team: str({ pattern: TEAM_NAME }), app: str({ pattern: APP_NAME }),
  }, ['host', 'username', 'password']),
  // Issue 17, part 1 (control/quotas.ts): null = unlimited.
  SetQuota: obj({
    apps: nullable(COUNT), processes: nullable(COUNT), memoryBytes: nullable(BYTES), cpus: nullable({ type: 'number', minimum: 0, maximum: 100000 }),
    plans: nullable({ type: 'array', maxItems: 100, uniqueItems: true, items: str({ pattern: '^[A-Za-z][A-Za-z0-9-]{0,29}$' }) }),
    buildMinutes: nullable(COUNT), builds: nullable(COUNT), diskBytes: nullable(BYTES), domains: nullable(COUNT),
  }),
  AddCert: obj({ cert: str({ maxLength: 65536 }), key: str({ maxLength: 65536 }), name: str({ pattern: '^[a-z0-9][a-z0-9.-]{0,62}$' }) }, ['cert', 'key']),
} satisfies Record<string, Schema>;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

const formationEntry = obj({ type: str(), quantity: { type: 'integer' }, plan: str(), memoryBytes: { type: 'integer' } }, ['type', 'quantity', 'plan', 'memoryBytes']);

/** Bodies the API answers with. */
export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  ApiError: obj({ error: obj({ kind: str(), message: str(), hint: str() }, ['kind', 'message']) }, ['error']),
  Status: obj({ version: str(), jobs: dict(dict({ type: 'integer' })) }, ['version', 'jobs']),
  Team: obj({ id: str(), name: str(), createdAt: time }, ['id', 'name', 'createdAt']),
  User: obj({ id: str(), email: str(), isAdmin: { type: 'boolean' }, teams: { type: 'array', items: str() }, createdAt: time },
    ['id', 'email', 'isAdmin', 'teams', 'createdAt']),
  TeamInfo: obj({ id: str(), name: str(), createdAt: time, role: nullable(ROLE) }, ['id', 'name', 'createdAt', 'role']),
  Member: obj({ email: str(), role: ROLE }, ['email', 'role']),
  NewToken: obj({ id: str(), name: str(), token: str(), description: str(), createdAt: time, expiresAt: nullable(time) },
    ['id', 'name', 'token', 'description', 'createdAt', 'expiresAt']),
  TokenInfo: obj({
    id: str(), name: str(), prefix: str(), description: str(), createdAt: time, expiresAt: nullable(time), lastUsedAt: nullable(time),
    revokedAt: nullable(time), status: { enum: ['active', 'expired', 'revoked'] },
  }, ['id', 'name', 'prefix', 'description', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt', 'status']),
  FormationEntry: formationEntry,
  PlanInfo: obj({
    name: str(), memoryBytes: { type: 'integer' }, cpuShares: { type: 'integer' }, cpus: { type: 'number' }, pidsLimit: { type: 'integer' },
    diskBytes: { type: 'integer' },
    default: { type: 'boolean' }, build: { type: 'boolean' }, fits: { type: 'boolean' },
  }, ['name', 'memoryBytes', 'cpuShares', 'cpus', 'pidsLimit', 'default', 'build', 'fits']),
  AppInfo: obj({
    name: str(), team: str(), url: str(), gitUrl: str(), currentVersion: nullable({ type: 'integer' }),
    formation: { type: 'array', items: ref('FormationEntry') }, domains: { type: 'array', items: str() }, createdAt: time,
  }, ['name', 'team', 'url', 'gitUrl', 'currentVersion', 'formation', 'domains', 'createdAt']),
  Release: obj({
    id: str(), appId: str(), version: { type: 'integer' }, buildId: nullable(str()), image: nullable(str()), config: dict(str()),
    processTypes: dict(str()), appJson: nullable({ type: 'object' }), description: str(), userId: nullable(str()), userEmail: nullable(str()),
    status: { enum: ['pending', 'deploying', 'succeeded', 'failed'] }, error: nullable(str()), createdAt: time, finishedAt: nullable(time),
  }, ['id', 'appId', 'version', 'config', 'processTypes', 'description', 'status', 'createdAt']),
  ConfigChanged: obj({ config: dict(str()), release: ref('Release') }, ['config', 'release']),
  Build: obj({
    id: str(), appId: str(), userId: nullable(str()), status: { enum: ['pending', 'running', 'succeeded', 'failed'] }, source: str(),
    builder: nullable({ enum: ['dockerfile', 'buildpacks'] }), image: nullable(str()), processTypes: dict(str()),
    appJson: nullable({ type: 'object' }), error: nullable(str()), createdAt: time, finishedAt: nullable(time),
  }, ['id', 'appId', 'status', 'source', 'createdAt']),
  ProcessInfo: obj({
    name: str(), type: str(), index: { type: 'integer' }, containerId: str(), releaseVersion: { type: 'integer' },
    state: { enum: ['starting', 'up', 'crashed', 'stopping'] }, address: nullable(str()), port: nullable({ type: 'integer' }),
    restarts: { type: 'integer' }, startedAt: time, command: str(), memoryBytes: nullable({ type: 'integer' }), plan: nullable(str()),
  }, ['name', 'type', 'index', 'containerId', 'releaseVersion', 'state', 'restarts', 'startedAt', 'memoryBytes', 'plan']),
  LogEntry: obj({ time, source: str(), stream: { enum: ['stdout', 'stderr'] }, line: str() }, ['time', 'source', 'stream', 'line']),
  PlatformEvent: { type: 'object', required: ['kind', 'appId'], properties: { kind: { enum: ['build', 'build-done', 'deploy', 'deploy-done', 'process'] } } },
  RunStarted: obj({ name: str(), containerId: str() }, ['name', 'containerId']),
  Domain: obj({ hostname: str(), appId: str(), certificate: nullable(str()), createdAt: time }, ['hostname', 'appId', 'certificate', 'createdAt']),
  Certificate: obj({ id: str(), appId: str(), name: str(), hostnames: { type: 'array', items: str() }, expiresAt: time, createdAt: time },
    ['id', 'appId', 'name', 'hostnames', 'expiresAt', 'createdAt']),
  RegistryLogin: obj({ host: str(), username: str(), team: str(), app: nullable(str()), createdAt: time, updatedAt: time },
    ['host', 'username', 'team', 'app', 'createdAt', 'updatedAt']),
  TeamQuota: obj({ team: str(), limits: ref('SetQuota'), use: obj({
    apps: { type: 'integer' }, processes: { type: 'integer' }, memoryBytes: { type: 'integer' }, cpus: { type: 'number' },
    buildMinutes: { type: 'number' }, builds: { type: 'integer' }, diskBytes: nullable({ type: 'integer' }), domains: { type: 'integer' },
  }, ['apps', 'processes', 'memoryBytes', 'cpus', 'buildMinutes', 'builds', 'diskBytes', 'domains']) }, ['team', 'limits', 'use']),
  AuditEntry: obj({
    time, user: nullable(str()), address: nullable(str()), team: nullable(str()), app: nullable(str()), action: str(), details: { type: 'object' },
  }, ['time', 'user', 'address', 'team', 'app', 'action', 'details']),
  LoginLink: obj({ url: str(), expiresAt: time }, ['url', 'expiresAt']),
};
