/**
 * The git receiver: smart HTTP at `/git/<app>.git` (node-git-server), for
 * the members of the app's team. It only validates and remembers: every
 * request is authenticated here (Basic auth, the password is an API token;
 * node-git-server itself would check only the ref advertisement), the app is
 * looked up through ownership (another team's app and a missing one get the
 * same 404), the bare repository is created on first use with the
 * pre-receive hook, and each accepted push's caller is remembered for the
 * hook bridge (bridge.ts), which builds and deploys. Which refs may be
 * pushed is the hook's call: it sees every ref and can say why to the pusher.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Git, type PushData, type TagData } from 'node-git-server';
import { kindOf } from '../../lib/errors.js';
import { findApp } from '../auth/ownership.js';
import { authenticateToken } from '../auth/tokens.js';
import type { Caller, PlatformDeps } from '../types.js';
import { startHookBridge } from './bridge.js';
import { HOOK_SOCKET } from './protocol.js';
import { createPushers } from './pushers.js';
import { currentHookCommand, ensureRepo, hookScript, repoPath } from './repos.js';

export interface GitReceiver {
  /** Serve one request under `/git/`. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stop the hook bridge (pushes in flight are refused). */
  close(): Promise<void>;
}

const GIT_PATH = /^\/git\/([a-z][a-z0-9-]{0,28}[a-z0-9])\.git(\/[^?]*)(\?.*)?$/;

/** Start the hook bridge and return the receiver's request handler. */
export async function createGitReceiver(deps: PlatformDeps): Promise<GitReceiver> {
  const pushers = createPushers();
  const socketPath = path.join(deps.config.runDir, HOOK_SOCKET);
  const bridge = await startHookBridge(deps, pushers, socketPath);
  const hookCommand = currentHookCommand();
  const callers = new WeakMap<IncomingMessage, Caller>();
  const git = new Git((dir) => path.join(deps.config.dataDir, 'git', dir ?? ''), { autoCreate: false });
  const remember = (op: PushData | TagData) => {
    const caller = callers.get(op.req);
    if (!caller) return op.reject(401, 'Unauthorized');
    pushers.remember(op.repo.replace(/\.git$/, ''), op.commit, caller);
    op.accept();
  };
  git.on('push', remember);
  git.on('tag', remember);
  git.on('fetch', (fetch) => fetch.accept());
  return {
    handle(req, res) {
      void admit(deps, req).then((admitted) => {
        if ('status' in admitted) return refuse(res, admitted.status, admitted.message);
        const repo = repoPath(deps.config.dataDir, admitted.app);
        return ensureRepo(repo, hookScript(hookCommand, socketPath, admitted.app)).then(() => {
          callers.set(req, admitted.caller);
          req.url = admitted.url;
          git.handle(req, res);
        });
      }).catch((err: unknown) => {
        deps.log.error({ err, url: req.url }, 'git request failed');
        refuse(res, 503, 'tspaas is not available right now; try again');
      });
    },
    close: () => bridge.close(),
  };
}

type Admission = { app: string; caller: Caller; url: string } | { status: number; message: string };

/** Who asks, for which app; the repository-relative URL node-git-server expects. */
async function admit(deps: PlatformDeps, req: IncomingMessage): Promise<Admission> {
  const m = GIT_PATH.exec(req.url ?? '');
  if (!m) return { status: 404, message: 'repository not found' };
  const token = basicPassword(req.headers.authorization);
  if (token === null) return { status: 401, message: 'authentication required: use your tspaas API token as the password (tspaas login sets this up)' };
  try {
    const caller = await authenticateToken(deps.db, token);
    const app = await findApp(deps.db, caller, m[1]);
    return { app: app.name, caller, url: `/${app.name}.git${m[2]}${m[3] ?? ''}` };
  } catch (err) {
    if (kindOf(err) === 'Unauthorized') return { status: 401, message: 'invalid token: log in again with tspaas login' };
    if (kindOf(err) === 'NotFound') return { status: 404, message: 'repository not found' };
    throw err;
  }
}

/** The password of a Basic Authorization header, or null. */
function basicPassword(header: string | undefined): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 || colon === decoded.length - 1 ? null : decoded.slice(colon + 1);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.end();
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', connection: 'close' };
  if (status === 401) headers['www-authenticate'] = 'Basic realm="tspaas"';
  res.writeHead(status, headers);
  res.end(`${message}\n`);
}
