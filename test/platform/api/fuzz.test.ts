/**
 * Hostile input on every route of the OpenAPI document (fetched from the
 * running API, so a new route is fuzzed as soon as it is documented), with
 * the admin's token and with a team user's, over a bare socket so nothing
 * rewrites the bytes: every answer must be a 4xx with a JSON error message —
 * never a 5xx, never a dropped connection — and nothing may be written (every
 * table, the audit log included, is compared before and after).
 *
 * Sources of the cases: CWE-158 (NUL byte injection) and PostgreSQL's
 * refusal of NUL in text (22021) and jsonb (22P05); Markus Kuhn's "UTF-8
 * decoder capability and stress test" (C3 28 malformed pair, FF impossible
 * byte, C0 AF overlong "/", ED A0 80 lone surrogate); CVE-2000-0884 (IIS
 * overlong-UTF-8 path traversal) and the OWASP Path Traversal page (`..`,
 * %2e%2e, %2F); RFC 8259 §8.2 (unpaired surrogate escapes); CVE-2020-36518
 * (Jackson: deeply nested JSON exhausts the stack); PostgreSQL's uuid input
 * (22P02) for UUID-shaped garbage.
 */
import test from 'ava';
import { Ajv } from 'ajv';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../platform/db/pool.js';
import { rawRequest, type RawReply } from './raw-http.js';
import { startApi, must, seedRelease, type TestApi } from './harness.js';

type Json = Record<string, unknown>;
interface Operation { method: string; path: string; op: Json }

let api: TestApi;
let user: { team: string; email: string; token: string };
let operations: Operation[];
let schemas: Record<string, Json>;

test.before(async () => {
  api = await startApi('api_fuzz');
  user = await api.tenant('fuzzers');
  await must(api.call('POST', '/v1/apps', { body: { name: 'fuzz-app', team: 'fuzzers' } }), 201);
  await seedRelease(api.db, 'fuzz-app', 1, { current: true, config: { KEEP: 'me' } });
  const doc = (await must(api.call('GET', '/v1/openapi.json', { token: null }), 200)).body as { paths: Record<string, Json>; components: { schemas: Record<string, Json> } };
  operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op: op as Json })));
  schemas = doc.components.schemas;
  // Both tokens are used once first, so their once-a-minute last_used_at is not what a test sees change.
  await must(api.call('GET', '/v1/whoami', { token: user.token }), 200);
});
test.after.always(async () => { await api?.close(); });

/** Values a path parameter takes when it is not the one under test: all name things that exist. */
const VALID: Record<string, string> = {
  app: 'fuzz-app', team: 'fuzzers', email: 'fuzzers%40test', version: '1', id: randomUUID(), hostname: 'www.example.test', name: 'cert1',
};

/** Hostile path segments and query values as they go on the wire. */
const URL_VALUES: Array<[string, string]> = [
  ['NUL', '%00'], ['NUL inside', 'ab%00cd'], ['C3 28', '%C3%28'], ['FF', '%FF'], ['overlong C0 AF', '%C0%AF'],
  ['lone surrogate ED A0 80', '%ED%A0%80'], ['raw byte FF', '\xff'], ['raw C3 28', '\xc3('], ['truncated escape', '%E0%A4%A'],
  ['dot-dot', '..'], ['encoded dot-dot', '%2e%2e'], ['encoded slashes', '..%2F..%2Fetc%2Fpasswd'],
  ['UUID-shaped', '-'.repeat(36)], ['8 kB', 'x'.repeat(8_000)], ['100 kB', 'x'.repeat(100_000)],
];

const tokens = () => [['admin', api.adminToken], ['user', user.token]] as const;

test.serial('every path and query parameter: NUL, invalid UTF-8, traversal, long values → 4xx with a JSON message, nothing written', async (t) => {
  const before = await snapshot(api.db);
  t.true(before.audit_log.length >= 3, 'the audit log is part of what is compared');
  const failures: string[] = [];
  const cases: Array<{ label: string; method: string; target: string; token: string }> = [];
  for (const { method, path, op } of operations) {
    const params = (op.parameters ?? []) as Array<{ name: string; in: string }>;
    for (const [who, token] of tokens()) {
      for (const [label, value] of URL_VALUES) {
        for (const p of params.filter((x) => x.in === 'path')) cases.push({ label: `${who} ${method} ${path} {${p.name}}=${label}`, method, target: fill(path, { [p.name]: value }), token });
        for (const q of params.filter((x) => x.in === 'query')) cases.push({ label: `${who} ${method} ${path} ?${q.name}=${label}`, method, target: `${fill(path)}?${q.name}=${value}`, token });
      }
      cases.push({ label: `${who} ${method} ${path} ?junk=%00`, method, target: `${fill(path)}?junk=%00`, token });
    }
  }
  t.true(cases.length > 500, `only ${cases.length} cases`);
  await eachLimited(cases, 6, async (c) => {
    const reply = await rawRequest(api.port, { method: c.method, target: c.target, headers: { Authorization: `Bearer ${c.token}` } });
    const problem = notA4xxJsonError(reply);
    if (problem) failures.push(`${c.label}: ${problem}`);
  });
  t.deepEqual(failures, []);
  t.deepEqual(await snapshot(api.db), before, 'nothing was written');
});

test.serial('every JSON body field: NUL, lone surrogates, invalid UTF-8, long values, wrong types; malformed, nested and huge bodies → 4xx, nothing written', async (t) => {
  const before = await snapshot(api.db);
  const failures: string[] = [];
  const cases: Array<{ label: string; method: string; target: string; token: string; body: Buffer }> = [];
  for (const { method, path, op } of operations) {
    const ref = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as { schema: { $ref: string } } | undefined;
    if (!ref) continue;
    const schema = schemas[ref.schema.$ref.split('/').pop()!];
    for (const [who, token] of tokens()) {
      for (const [label, body] of [...fieldBodies(schema), ...WHOLE_BODIES]) {
        cases.push({ label: `${who} ${method} ${path} ${label}`, method, target: fill(path), token, body });
      }
    }
  }
  t.true(cases.length > 500, `only ${cases.length} cases`);
  await eachLimited(cases, 6, async (c) => {
    const headers = { Authorization: `Bearer ${c.token}`, 'Content-Type': 'application/json' };
    const reply = await rawRequest(api.port, { method: c.method, target: c.target, headers, body: c.body });
    const problem = notA4xxJsonError(reply);
    if (problem) failures.push(`${c.label}: ${problem}`);
  });
  t.deepEqual(failures, []);
  t.deepEqual(await snapshot(api.db), before, 'nothing was written');
});

test.serial('WebSocket upgrades (tspaas run) and git upgrades with hostile paths → 4xx with a JSON message before any upgrade', async (t) => {
  const before = await snapshot(api.db);
  const failures: string[] = [];
  // In the query only bytes are refused: a harmless `?x=..` on a valid upgrade is a valid upgrade.
  const badBytes = URL_VALUES.filter(([label]) => !['dot-dot', 'encoded dot-dot', 'encoded slashes', 'UUID-shaped', '8 kB', 'truncated escape'].includes(label));
  const targets = [...URL_VALUES.map(([label, v]) => [label, fill('/v1/apps/{app}/run', { app: v })]), ...badBytes.map(([label, v]) => [`?x=${label}`, `${fill('/v1/apps/{app}/run')}?x=${v}`]),
    ['another path', '/v1/apps/fuzz-app/logs'], ['git', '/git/fuzz-app.git/info/refs?service=git-upload-pack']];
  for (const [who, token] of tokens()) {
    await eachLimited(targets, 6, async ([label, target]) => {
      const headers = { Authorization: `Bearer ${token}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' };
      const problem = notA4xxJsonError(await rawRequest(api.port, { method: 'GET', target, headers }));
      if (problem) failures.push(`${who} upgrade ${label}: ${problem}`);
    });
  }
  t.deepEqual(failures, []);
  t.deepEqual(await snapshot(api.db), before);
});

test.serial('PostgreSQL refuses NUL in text (22021) and jsonb (22P05): the API answers 400 Invalid before SQL', async (t) => {
  const text = await t.throwsAsync(api.db.query('SELECT $1::text', ['a\u0000b']));
  t.is((text as Error & { code?: string }).code, '22021');
  const jsonb = await t.throwsAsync(api.db.query('SELECT $1::jsonb', ['"a\\u0000b"']));
  t.is((jsonb as Error & { code?: string }).code, '22P05');
  const before = await snapshot(api.db);
  const token = await api.call('POST', `/v1/users/${VALID.email}/tokens`, { token: user.token, raw: '{"description":"a\\u0000b"}' });
  t.is(token.status, 400);
  t.like(token.body, { error: { kind: 'Invalid', message: 'body.description contains a NUL character' } });
  const config = await api.call('PATCH', '/v1/apps/fuzz-app/config', { token: user.token, raw: '{"A":"\\u0000"}' });
  t.like(config.body, { error: { kind: 'Invalid', message: 'body.A contains a NUL character' } });
  const key = await api.call('PATCH', '/v1/apps/fuzz-app/config', { token: user.token, raw: '{"A\\u0000B":"x"}' });
  t.like(key.body, { error: { kind: 'Invalid', message: 'body: a field name contains a NUL character' } });
  t.deepEqual(await snapshot(api.db), before);
});

test.serial('bad headers: NUL, non-ASCII and invalid UTF-8 bytes in Authorization, an oversized head → 400/401/431 with JSON', async (t) => {
  const cases: Array<[string, Record<string, string>, number]> = [
    ['NUL in Authorization', { Authorization: `Bearer ${user.token}\0` }, 400],
    ['NUL in a header name', { 'X-A\0b': '1' }, 400],
    ['latin1 é in the token', { Authorization: 'Bearer tsp_\xe9\xe9' }, 401],
    ['invalid UTF-8 C3 28 in the token', { Authorization: 'Bearer tsp_\xc3(' }, 401],
    ['overlong C0 AF in the token', { Authorization: `Bearer ${user.token}\xc0\xaf` }, 401],
    ['a 100 kB token', { Authorization: `Bearer tsp_${'x'.repeat(100_000)}` }, 431],
    ['a 10 kB token', { Authorization: `Bearer tsp_${'x'.repeat(10_000)}` }, 401],
    ['Basic instead of Bearer', { Authorization: `Basic ${Buffer.from(`x:${user.token}`).toString('base64')}` }, 401],
  ];
  for (const [label, headers, status] of cases) {
    const reply = await rawRequest(api.port, { method: 'GET', target: '/v1/apps', headers });
    t.is(reply.status, status, label);
    t.is(notA4xxJsonError(reply), null, label);
  }
});

/** Why `reply` is not a 4xx with a JSON `{ error: { message } }`, or null when it is. */
function notA4xxJsonError(reply: RawReply): string | null {
  if (reply.status === null) return `no answer (${reply.dropped ?? 'dropped'})`;
  const text = reply.body.toString('utf8').slice(0, 200);
  if (reply.status < 400 || reply.status > 499) return `${reply.status} ${text}`;
  try {
    const body = JSON.parse(reply.body.toString('utf8')) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' && body.error.message !== '' ? null : `${reply.status} without an error message: ${text}`;
  } catch {
    return `${reply.status} not JSON (${reply.headers['content-type']}): ${text}`;
  }
}

/** The path with `{param}`s filled: `values` first, else VALID. */
function fill(path: string, values: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? VALID[name] ?? 'x');
}

const ajv = new Ajv({ strict: false });

/** Bodies with one field hostile, shaped as the field's schema (string, inside an array, as a map value). */
function fieldBodies(schema: Json): Array<[string, Buffer]> {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const fields = Object.keys(props).length > 0 ? Object.entries(props) : [['SOME_KEY', schema.additionalProperties as Json] as const];
  const validate = ajv.compile(schema);
  const out: Array<[string, Buffer]> = [];
  for (const [field, fieldSchema] of fields) {
    const shape = (v: Buffer): Buffer => fieldSchema?.type === 'array' ? wrap('[', v, ']')
      : fieldSchema?.type === 'object' && fieldSchema.additionalProperties ? wrap('{"K":', v, '}') : v;
    for (const [label, value] of STRINGS) out.push([`.${field}=${label}`, wrap(`{"${field}":`, shape(value), '}')]);
    for (const wrong of ['12345', '-1', '1.5', 'true', 'null', '{}', '[]', '[[[]]]', '"text"', '1e999']) {
      const body = wrap(`{"${field}":`, Buffer.from(wrong), '}');
      if (!validate(JSON.parse(body.toString()))) out.push([`.${field}=${wrong}`, body]);
    }
  }
  return out;
}

const wrap = (a: string, v: Buffer, b: string) => Buffer.concat([Buffer.from(a), v, Buffer.from(b)]);
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)));

/** Hostile JSON strings (as body bytes). */
const STRINGS: Array<[string, Buffer]> = [
  ['NUL escape', Buffer.from('"a\\u0000b"')], ['raw NUL', bytes('"a', [0], 'b"')],
  ['lone high surrogate escape', Buffer.from('"\\ud800"')], ['lone low surrogate escape', Buffer.from('"x\\udc00"')],
  ['invalid UTF-8 C3 28', bytes('"', [0xc3, 0x28], '"')], ['FF byte', bytes('"', [0xff], '"')],
  ['overlong C0 AF', bytes('"', [0xc0, 0xaf], '"')], ['encoded surrogate ED A0 80', bytes('"', [0xed, 0xa0, 0x80], '"')],
  ['100 kB', Buffer.from(`"${'x'.repeat(100_000)}"`)],
];

/** Hostile whole bodies. */
const WHOLE_BODIES: Array<[string, Buffer]> = [
  ['malformed JSON', Buffer.from('{"a":')], ['two documents', Buffer.from('{}{}')], ['not an object', Buffer.from('"text"')],
  ['null', Buffer.from('null')], ['an array', Buffer.from('[]')], ['invalid UTF-8 body', bytes('{"a":"', [0xc3, 0x28], '"}')],
  ['UTF-16 BOM', bytes([0xff, 0xfe], '{', [0], '}', [0])], ['NUL bytes', Buffer.alloc(1000)],
  ['nested 200000 deep', Buffer.from(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`)],
  ['2 MiB body', Buffer.from(`{"a":"${'x'.repeat(2 << 20)}"}`)],
];

/** Every row of every table (last_used_at of tokens aside), for before/after comparisons. */
async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const tables = await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  const out: Record<string, string[]> = {};
  for (const { name } of tables.rows) {
    const rows = await db.query<{ row: string }>(`SELECT (to_jsonb(t) - 'last_used_at')::text AS row FROM "${name}" t ORDER BY 1`);
    out[name] = rows.rows.map((r) => r.row);
  }
  return out;
}

/** Run `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
