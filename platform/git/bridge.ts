/**
 * tspaasd's end of the pre-receive hook (protocol.ts): a unix socket
 * (`<runDir>/git-hook.sock`, mode 0600) where each connection is one push.
 * It checks that the push is one the receiver accepted (pushers.ts), records
 * the build, stores the source tar, queues the build and streams the build's
 * and the deploy's lines back (stream.ts), ending with the exit code that
 * makes git accept or refuse the ref update.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { invalid, TspaasError, unauthorized } from '../../lib/errors.js';
import { findApp } from '../auth/ownership.js';
import { sourcePath } from '../builds/log.js';
import { admitBuild } from '../control/quotas.js';
import { insertBuild, markBuildFailed } from '../store/builds.js';
import { audit } from '../control/audit.js';
import type { PlatformDeps } from '../types.js';
import { encodeMessage, type PushHeader } from './protocol.js';
import type { Pushers } from './pushers.js';
import { streamPushResult } from './stream.js';
import { createUnframer } from './unframe.js';

export interface HookBridge {
  socketPath: string;
  close(): Promise<void>;
}

/** Listen on `socketPath` (root only) for pre-receive hooks. */
export async function startHookBridge(deps: PlatformDeps, pushers: Pushers, socketPath: string): Promise<HookBridge> {
  await fsp.mkdir(path.dirname(socketPath), { recursive: true });
  await fsp.rm(socketPath, { force: true });
  const open = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    void servePush(deps, pushers, socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await fsp.chmod(socketPath, 0o600);
  return {
    socketPath,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of open) s.destroy();
      await closed;
      await fsp.rm(socketPath, { force: true });
    },
  };
}

/** One hook connection: header, tar, then the build and deploy lines and the exit code. */
async function servePush(deps: PlatformDeps, pushers: Pushers, socket: net.Socket): Promise<void> {
  const send = (line: string) => { if (socket.writable) socket.write(encodeMessage({ line })); };
  const aborter = new AbortController();
  socket.on('close', () => aborter.abort());
  let code = 1;
  try {
    const header = await readHeader(socket);
    const caller = pushers.take(header.app, header.newrev);
    if (!caller) throw unauthorized('this push did not come through tspaasd');
    const app = await findApp(deps.db, caller, header.app, 'member');
    // Issue 17, part 1: the team's concurrent builds, build minutes and disk quotas, before the build is recorded.
    const build = await admitBuild(deps, app, (q) => insertBuild(q, app.id, caller.user.id, header.newrev));
    await receiveSource(socket, sourcePath(deps.config.dataDir, build.id)).catch(async (err: unknown) => {
      await markBuildFailed(deps.db, build.id, (err as Error).message);
      throw err;
    });
    // Issue 17: the push is a change of the app; its build and deploy follow (their outcome is the build's and release's).
    await audit(deps.db, caller, app, 'git.push', { ref: header.ref, commit: header.newrev, build: build.id });
    code = await streamPushResult(deps, app, build, send, aborter.signal);
  } catch (err) {
    if (!aborter.signal.aborted) send(` !     Push rejected: ${reasonOf(deps, err)}`);
  }
  if (socket.writable) socket.end(encodeMessage({ exit: code }));
}

/** The first line: the push header. The socket is left paused just after it. */
function readHeader(socket: net.Socket): Promise<PushHeader> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onEnd = () => reject(invalid('the hook sent no push header'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0 && buf.length < 8192) return;
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.pause();
      if (nl < 0) return reject(invalid('the hook sent an oversized push header'));
      if (nl + 1 < buf.length) socket.unshift(buf.subarray(nl + 1));
      try {
        resolve(parseHeader(buf.subarray(0, nl).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}

function parseHeader(text: string): PushHeader {
  const h = JSON.parse(text) as Partial<PushHeader>;
  const sha = /^[0-9a-f]{40,64}$/;
  if (typeof h.app !== 'string' || typeof h.ref !== 'string' || !sha.test(h.newrev ?? '') || typeof h.oldrev !== 'string') {
    throw invalid('malformed push header');
  }
  return h as PushHeader;
}

/** The framed archive into `file`; fails (and removes the file) when the hook stopped halfway. */
async function receiveSource(socket: net.Socket, file: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const unframe = createUnframer();
  socket.pipe(unframe);
  socket.once('close', () => unframe.destroy(invalid('the push was interrupted before the whole source arrived')));
  try {
    await pipeline(unframe, createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    await fsp.rm(file, { force: true });
    throw err;
  }
}

function reasonOf(deps: PlatformDeps, err: unknown): string {
  if (err instanceof TspaasError && err.kind !== 'Internal') return err.message;
  deps.log.error({ err }, 'git push failed with an internal error');
  return 'internal error (see the tspaasd log)';
}
