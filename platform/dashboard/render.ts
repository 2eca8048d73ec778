/**
 * The dashboard's pages: handlebars views (views/*.hbs, partials in
 * views/partials/), the helpers they use, and the headers of every page
 * (a strict Content-Security-Policy: no inline script or style at all).
 * Templates only ever use `{{ }}` for data, so everything user-provided is
 * HTML-escaped; the helpers below escape what they put in their markup.
 */
import Handlebars from 'handlebars';
import type { Context } from 'koa';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes } from '../../lib/bytes.js';
import type { Caller } from '../types.js';
import type { Notice } from './session.js';

export const PAGES = ['layout', 'login', 'apps', 'app', 'build', 'logs', 'error', 'team', 'tokens', 'token-created', 'admin'] as const;
export type Page = (typeof PAGES)[number];

/** The policy of every dashboard answer: its own CSS, its own script (live logs), its own SSE stream; nothing inline, no frames. */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
  + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** What every page gets besides its own data. */
export interface PageFrame {
  title: string;
  user?: Caller['user'];
  /** The session's CSRF token, for the forms. */
  csrf?: string;
  notice?: Notice | null;
}

export type Renderer = (ctx: Context, page: Page, frame: PageFrame, data?: Record<string, unknown>) => void;

/** Load the views once; the renderer answers with a page. */
export function loadRenderer(): Renderer {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const dir = dashboardDir('views');
  for (const file of readdirSync(path.join(dir, 'partials'))) {
    hbs.registerPartial(path.basename(file, '.hbs'), readFileSync(path.join(dir, 'partials', file), 'utf8'));
  }
  const views = Object.fromEntries(PAGES.map((p) => [p, hbs.compile(readFileSync(path.join(dir, `${p}.hbs`), 'utf8'))])) as Record<Page, Handlebars.TemplateDelegate>;
  return (ctx, page, frame, data = {}) => {
    setPageHeaders(ctx);
    ctx.type = 'text/html; charset=utf-8';
    const all = { ...frame, ...data };
    ctx.body = views.layout({ ...all, body: new Handlebars.SafeString(views[page](all)) });
  };
}

/** Headers of every dashboard answer. */
export function setPageHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
}

function registerHelpers(hbs: typeof Handlebars): void {
  const esc = Handlebars.escapeExpression;
  // `{{time iso}}`: "3 minutes ago", the exact time on hover and for machines.
  hbs.registerHelper('time', (iso: unknown) => {
    if (typeof iso !== 'string' || iso === '') return new Handlebars.SafeString('<span class="muted">never</span>');
    const exact = new Date(iso).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    return new Handlebars.SafeString(`<time datetime="${esc(iso)}" title="${esc(exact)}">${esc(relativeTime(iso))}</time>`);
  });
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('bytes', (n: unknown) => (typeof n === 'number' ? formatBytes(n) : ''));
  hbs.registerHelper('short', (id: unknown) => (typeof id === 'string' ? id.slice(0, 8) : ''));
}

/** "just now", "5 minutes ago", "3 days ago" from now; "in 30 days" for a time to come (an expiry). */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(seconds)) return iso;
  const span = Math.abs(seconds);
  if (span < 45) return 'just now';
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]] as const) {
    const n = Math.round(span / size);
    if (n >= 1 && span >= size * 0.75) return seconds < 0 ? `in ${n} ${unit}${n === 1 ? '' : 's'}` : `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** A folder of the dashboard's (views/, static/) beside this file; from dist/, the source tree's (tsc copies neither). */
export function dashboardDir(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const local = path.join(here, name);
  return existsSync(local) ? local : path.resolve(here, '../../../platform/dashboard', name);
}
