/**
 * The dashboard's session and its defences: the API token in an HttpOnly,
 * SameSite=Strict cookie (Secure when the public URL is https), a CSRF
 * token in every form (an HMAC of the session, checked on every POST, also
 * the login's, with a random pre-session cookie), cross-site posts refused
 * by their Fetch Metadata, form bodies read as strict UTF-8, and one-shot
 * notices carried across a POST-redirect-GET.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { forbidden, invalid } from '../../lib/errors.js';
import { checkJsonStrings, decodeText } from '../input.js';
import type { PlatformConfig } from '../types.js';

export const SESSION_COOKIE = 'tspaas_token';
const PRESESSION_COOKIE = 'tspaas_login';
const NOTICE_COOKIE = 'tspaas_notice';
const MAX_FORM = 1 << 20;

/** Signs CSRF tokens; new at every start of tspaasd (a form of an earlier start is refused once). */
const CSRF_KEY = randomBytes(32);

/** The cookie options of every dashboard cookie. */
export function cookieOptions(config: Pick<PlatformConfig, 'publicUrl'>, ctx: Context, maxAge?: number) {
  const secure = config.publicUrl.startsWith('https:');
  // koa refuses a Secure cookie on a plain-HTTP request; behind a TLS proxy the request is plain HTTP.
  if (secure) ctx.cookies.secure = true;
  return { httpOnly: true, sameSite: 'strict' as const, path: '/dashboard', overwrite: true, secure, ...(maxAge === undefined ? {} : { maxAge }) };
}

/** The form token of a session (or of a pre-session for the login form). */
export function csrfToken(session: string): string {
  return createHmac('sha256', CSRF_KEY).update(session).digest('base64url');
}

/**
 * Forbidden unless the POST comes from a dashboard page: a `csrf` field that is the session's
 * token, and no cross-site or same-site (another app's subdomain) origin by Fetch Metadata.
 */
export function checkCsrf(ctx: Context, form: URLSearchParams, session: string): void {
  const site = ctx.get('Sec-Fetch-Site');
  if (site === 'cross-site' || site === 'same-site') throw forbidden('cross-site form posts are refused');
  const given = Buffer.from(form.get('csrf') ?? '');
  const wanted = Buffer.from(csrfToken(session));
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw forbidden('this form has expired or did not come from the dashboard: reload the page and try again');
}

/** The login form's pre-session value, made (and set as a cookie) on the first visit. */
export function preSession(ctx: Context, config: Pick<PlatformConfig, 'publicUrl'>): string {
  const existing = ctx.cookies.get(PRESESSION_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
  const value = randomBytes(24).toString('base64url');
  ctx.cookies.set(PRESESSION_COOKIE, value, cookieOptions(config, ctx));
  return value;
}

/** The pre-session of the login form's POST (empty when none: its CSRF check then fails). */
export function postedPreSession(ctx: Context): string {
  return ctx.cookies.get(PRESESSION_COOKIE) ?? '';
}

/** Start the session: the token in its cookie. */
export function setSession(ctx: Context, config: Pick<PlatformConfig, 'publicUrl'>, token: string): void {
  ctx.cookies.set(SESSION_COOKIE, token, cookieOptions(config, ctx));
}

/** End the session. */
export function clearSession(ctx: Context, config: Pick<PlatformConfig, 'publicUrl'>): void {
  ctx.cookies.set(SESSION_COOKIE, '', cookieOptions(config, ctx, 0));
}

/** A notice for the next page (after a redirect). */
export interface Notice { kind: 'ok' | 'error'; text: string }

/** Keep `notice` for the next page this browser shows. */
export function setNotice(ctx: Context, config: Pick<PlatformConfig, 'publicUrl'>, notice: Notice): void {
  ctx.cookies.set(NOTICE_COOKIE, Buffer.from(JSON.stringify({ ...notice, text: notice.text.slice(0, 1000) })).toString('base64url'), cookieOptions(config, ctx));
}

/** The notice kept for this page, if any (and forget it). */
export function takeNotice(ctx: Context, config: Pick<PlatformConfig, 'publicUrl'>): Notice | null {
  const raw = ctx.cookies.get(NOTICE_COOKIE);
  if (!raw) return null;
  ctx.cookies.set(NOTICE_COOKIE, '', cookieOptions(config, ctx, 0));
  try {
    const n = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Notice;
    return (n.kind === 'ok' || n.kind === 'error') && typeof n.text === 'string' ? { kind: n.kind, text: n.text } : null;
  } catch {
    return null; // a cookie the browser mangled: no notice
  }
}

/** An `application/x-www-form-urlencoded` body; Invalid when over 1 MiB, not UTF-8, or with a NUL or a lone surrogate. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM) throw invalid('the form is too large');
    chunks.push(chunk as Buffer);
  }
  const form = new URLSearchParams();
  for (const pair of decodeText(Buffer.concat(chunks), 'the form').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const [name, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    form.append(decodeField(name), decodeField(value));
  }
  checkJsonStrings(Object.fromEntries(form), 'the form');
  return form;
}

/** One percent-encoded form field (`+` is a space); Invalid for escapes that are no UTF-8 text. */
function decodeField(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (err) {
    throw invalid('the form is not valid UTF-8', err);
  }
}
