import test from 'ava';
import { Ajv } from 'ajv';
import { pino } from 'pino';
import { OPERATIONS, openApiDocument } from '../../../platform/api/openapi.js';
import { REQUEST_SCHEMAS } from '../../../platform/api/schemas.js';
import { v1Router } from '../../../platform/api/server.js';
import type { ApiDeps } from '../../../platform/api/context.js';
import { absent } from './harness.js';

/** `METHOD /v1/path/{param}` of every route the koa router has. */
function registeredRoutes(): string[] {
  const deps = { ...absent<ApiDeps>('deps'), config: { publicUrl: 'http://x', baseDomain: 'localhost' }, api: { version: '0' }, log: pino({ level: 'silent' }) } as unknown as ApiDeps;
  const router = v1Router(deps);
  const out: string[] = [];
  for (const layer of router.stack) {
    for (const method of layer.methods) {
      if (method === 'HEAD') continue;
      out.push(`${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out.sort();
}

test('the OpenAPI document describes exactly the routes the router has', (t) => {
  const documented = Object.entries(OPERATIONS).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
  t.deepEqual(registeredRoutes(), documented);
});

test('the document is OpenAPI 3.1 and every $ref resolves; request schemas compile', (t) => {
  const doc = openApiDocument('http://127.0.0.1:5080', '1.2.3') as { openapi: string; components: { schemas: Record<string, unknown> } };
  t.is(doc.openapi, '3.1.0');
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
  t.true(refs.length > 30);
  for (const r of refs) t.truthy(doc.components.schemas[r], r);
  const ajv = new Ajv({ strict: false });
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) t.notThrows(() => ajv.compile(schema), name);
});
