/**
 * Request bodies: read as JSON (malformed → Invalid) and checked against the
 * schemas of schemas.ts (the same ones the OpenAPI document shows).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { IncomingMessage } from 'node:http';
import { invalid } from '../../lib/errors.js';
import { checkJsonStrings, decodeText } from '../input.js';
import { REQUEST_SCHEMAS, type RequestSchemaName } from './schemas.js';

const MAX_BODY = 1 << 20;

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = new Map<string, ValidateFunction>(
  Object.entries(REQUEST_SCHEMAS).map(([name, schema]) => [name, ajv.compile(schema)]));

/** Check `value` against a request schema; Invalid with the first problem otherwise. */
export function check<T>(name: RequestSchemaName, value: unknown): T {
  const validate = validators.get(name)!;
  if (!validate(value)) throw invalid(describe(validate.errors?.[0]));
  return value as T;
}

function describe(e: ErrorObject | undefined): string {
  if (!e) return 'invalid body';
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'body';
  if (e.keyword === 'additionalProperties') return `${where}: unknown field ${String(e.params.additionalProperty)}`;
  if (e.keyword === 'pattern') return `${where}: invalid value`;
  return `${where}: ${e.message ?? 'invalid'}`;
}

/** Read the request's JSON body (empty → {}); Invalid when malformed, over 1 MiB, not UTF-8 or with NUL/lone surrogates in a string. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw invalid('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = decodeText(Buffer.concat(chunks), 'the request body').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid('malformed JSON body', err);
  }
  checkJsonStrings(value);
  return value;
}

/** Read and check a body in one step. */
export async function readBody<T>(req: IncomingMessage, name: RequestSchemaName): Promise<T> {
  return check<T>(name, await readJson(req));
}
