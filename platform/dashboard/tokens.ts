/**
 * The tokens page (`/dashboard/tokens`): the caller's own API tokens (never
 * a secret), a form to make one and revoke buttons, through
 * control/tokens.ts as `…/users/me/tokens` (role `self`). A new token's
 * secret is shown once, on the page the form's POST answers with (201, no
 * redirect: it is never in a URL, a cookie or a later page); a refusal is a
 * redirect back with the reason, as for every form.
 */
import type { CreateToken } from '../api/types.js';
import { check } from '../api/validate.js';
import { hashToken } from '../auth/tokens.js';
import { createToken, revokeToken, tokensOf } from '../control/tokens.js';
import { findTokenByHash } from '../store/tokens.js';
import { dropEmpty, field } from './actions.js';
import { action, formPage, page, type Dashboard } from './guard.js';
import { SESSION_COOKIE } from './session.js';

const TOKENS = '/dashboard/tokens';

/** Register the tokens page and its forms. */
export function registerTokenPages(dash: Dashboard): void {
  const { deps, render } = dash;
  page(dash, TOKENS, async (ctx, caller, frame) => {
    const [tokens, session] = await Promise.all([
      tokensOf(deps.db, caller, 'me'), findTokenByHash(deps.db, hashToken(ctx.cookies.get(SESSION_COOKIE) ?? '')),
    ]);
    render(ctx, 'tokens', { ...frame, title: 'API tokens' }, {
      tokens: tokens.map((t) => ({ ...t, active: t.status === 'active', session: t.id === session?.id })),
    });
  });
  formPage(dash, TOKENS, TOKENS, async (ctx, caller, form, frame) => {
    const body = check<CreateToken>('CreateToken', dropEmpty({ name: form.get('name')?.trim() ?? '', expires: form.get('expires')?.trim() ?? '' }));
    const made = await createToken(deps.db, caller, 'me', body);
    ctx.status = 201;
    render(ctx, 'token-created', { ...frame, title: `Token ${made.name}` }, { made });
  });
  action(dash, `${TOKENS}/revoke`, () => TOKENS, async (_ctx, caller, form) => {
    const revoked = await revokeToken(deps.db, caller, 'me', field(form, 'id'));
    return { to: TOKENS, notice: `Revoked token ${revoked.name}: it is refused from now on.` };
  });
}
