/**
 * Small helpers shared by store/ modules: timestamps out of rows, and
 * PostgreSQL error codes turned into error kinds.
 */
import { conflict, invalid } from '../../lib/errors.js';

/** A timestamptz column as RFC 3339 text (null stays null). */
export function iso(value: Date | string | null): string;
export function iso(value: Date | string | null | undefined): string | null;
export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** Map unique (23505) and check (23514) violations to Conflict / Invalid with the given messages; rethrow the rest. */
export function translatePgError(err: unknown, messages: { unique?: string; check?: string }): never {
  const code = (err as { code?: string }).code;
  if (code === '23505' && messages.unique) throw conflict(messages.unique, err);
  if (code === '23514' && messages.check) throw invalid(messages.check, err);
  throw err;
}
