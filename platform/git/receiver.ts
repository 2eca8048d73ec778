/**
 * The git receiver: smart HTTP at `/git/<app>.git` (node-git-server for the
 * advertisement and fetches, receive-pack.ts for pushes: it checks the
 * commands and caps the size before git writes), for the members of the
 * app's team. It only validates and remembers: every request's path is
 * checked (UTF-8 without NUL, one of the smart-HTTP endpoints) and
 * authenticated here (Basic auth, the password is an API token; a revoked or
 * expired one is 401 with the reason), the app is looked up through
 * ownership (another team's app and a missing one get the same 404; fetch
 * and push need the member role, a viewer gets 403), the bare repository is created on first use with the
 * pre-receive hook, and each accepted push's caller is remembered for the
 * hook bridge (bridge.ts), which builds and deploys. Which refs may be
 * pushed is the hook's call: it sees every ref and can say why to the pusher.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Git } from 'node-git-server';
import { kindOf } from '../../lib/errors.js';
import { findApp } from '../auth/ownership.js';
import { authenticateToken } from '../auth/tokens.js';
import type { Caller, PlatformDeps } from '../types.js';
import { checkRequestTarget } from '../input.js';
import { clientAddress } from '../client-address.js';
import { startHookBridge } from './bridge.js';
import type { PushCommands } from './pkt-line.js';
import { DEPLOY_BRANCHES, HOOK_SOCKET } from './protocol.js';
import { createPushers } from './pushers.js';
import { serveReceivePack } from './receive-pack.js';
import { currentHookCommand, ensureRepo, hookScript, repoPath } from './repos.js';

export interface GitReceiver {
  /** Serve one request under `/git/`. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stop the hook bridge (pushes in flight are refused). */
  close(): Promise<void>;
}

/** The smart-HTTP endpoints of an app's repository (and HEAD); anything else, `..` included, is not found. */
const GIT_PATH = /^\/git\/([a-z][a-z0-9-]{0,28}[a-z0-9])\.git\/(info\/refs|HEAD|git-upload-pack|git-receive-pack)(\?.*)?$/;

const SERVICES = ['git-upload-pack', 'git-receive-pack'];
const DEPLOY_REFS = DEPLOY_BRANCHES.map((b) => `refs/heads/${b}`);

/** Start the hook bridge and return the receiver's request handler. */
export async function createGitReceiver(deps: PlatformDeps): Promise<GitReceiver> {
  const pushers = createPushers();
  const socketPath = path.join(deps.config.runDir, HOOK_SOCKET);
  const bridge = await startHookBridge(deps, pushers, socketPath);
  const hookCommand = currentHookCommand();
  const git = new Git((dir) => path.join(deps.config.dataDir, 'git', dir ?? ''), { autoCreate: false });
  git.on('fetch', (fetch) => fetch.accept());
  const serve = async (req: IncomingMessage, res: ServerResponse, admitted: Admitted) => {
    const repo = repoPath(deps.config.dataDir, admitted.app);
    await ensureRepo(repo, hookScript(hookCommand, socketPath, admitted.app));
    if (admitted.endpoint !== 'git-receive-pack') {
      req.url = admitted.url;
      return git.handle(req, res);
    }
    // Only a deploy branch's update reaches the bridge; the hook refuses the others itself.
    const accepted = (push: PushCommands) => push.commands.filter((c) => DEPLOY_REFS.includes(c.ref))
      .forEach((c) => pushers.remember(admitted.app, c.newrev, admitted.caller));
    await serveReceivePack(req, res, { repo, maxBytes: deps.config.maxPushBytes, accepted, log: deps.log });
  };
  return {
    handle(req, res) {
      void admit(deps, req).then((admitted) => {
        if ('status' in admitted) return refuse(res, admitted.status, admitted.message);
        return serve(req, res, admitted);
      }).catch((err: unknown) => {
        deps.log.error({ err, url: req.url }, 'git request failed');
        refuse(res, 503, 'tspaas is not available right now; try again');
      });
    },
    close: () => bridge.close(),
  };
}

interface Admitted { app: string; caller: Caller; endpoint: string; url: string }
type Admission = Admitted | { status: number; message: string };

/** Who asks, for which app and endpoint; the repository-relative URL node-git-server expects. */
async function admit(deps: PlatformDeps, req: IncomingMessage): Promise<Admission> {
  try {
    checkRequestTarget(req.url ?? '');
  } catch (err) {
    return { status: 400, message: (err as Error).message };
  }
  const m = GIT_PATH.exec(req.url ?? '');
  if (!m) return { status: 404, message: 'repository not found' };
  if (req.method !== (m[2] === 'info/refs' || m[2] === 'HEAD' ? 'GET' : 'POST')) return { status: 405, message: `${req.method} is not allowed on ${m[2]}` };
  if (m[2] === 'info/refs' && !SERVICES.includes(new URLSearchParams(m[3]?.slice(1)).get('service') ?? '')) {
    return { status: 400, message: `info/refs takes ?service=${SERVICES.join(' or ')} (smart HTTP; the dumb protocol is not served)` };
  }
  const token = basicPassword(req.headers.authorization);
  if (token === null) return { status: 401, message: 'authentication required: use your tspaas API token as the password (tspaas login sets this up)' };
  try {
    // The pusher's address goes with the caller to the hook bridge, for the push's audit row.
    const caller = { ...await authenticateToken(deps.db, token), address: clientAddress(req, deps.config.trustedProxies) };
    const app = await findApp(deps.db, caller, m[1], 'member'); // fetches too: the source is not for viewers
    return { app: app.name, caller, endpoint: m[2], url: `/${app.name}.git/${m[2]}${m[3] ?? ''}` };
  } catch (err) {
    if (kindOf(err) === 'Unauthorized') return { status: 401, message: `${(err as Error).message}: log in again with tspaas login` };
    if (kindOf(err) === 'NotFound') return { status: 404, message: 'repository not found' };
    if (kindOf(err) === 'Forbidden') return { status: 403, message: (err as Error).message };
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
