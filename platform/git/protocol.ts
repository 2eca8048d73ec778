/**
 * The hook bridge's wire format, between the pre-receive hook (hook.ts, run
 * by git) and tspaasd (bridge.ts) over the unix socket `<runDir>/git-hook.sock`:
 *
 *   hook → tspaasd   one JSON line (PushHeader), then the `git archive` tar of
 *                    the pushed commit, then end of stream (half-close).
 *   tspaasd → hook   JSON lines: `{ "line": "…" }` for each output line (the
 *                    hook prints it to stderr; git shows `remote: …`), and
 *                    last `{ "exit": 0 | 1 }`: 0 = deployed, accept the push.
 *
 * A connection that closes without `exit` means tspaasd went away: the hook
 * refuses the push.
 */

/** What the hook says about the push before the tar. */
export interface PushHeader {
  app: string;
  /** `refs/heads/main` or `refs/heads/master`. */
  ref: string;
  oldrev: string;
  newrev: string;
}

export type BridgeMessage = { line: string } | { exit: number };

/** The socket's file name under the run dir. */
export const HOOK_SOCKET = 'git-hook.sock';

/** Branches whose pushes deploy. */
export const DEPLOY_BRANCHES = ['main', 'master'];

/** One message as its line on the wire. */
export function encodeMessage(m: BridgeMessage | PushHeader): string {
  return `${JSON.stringify(m)}\n`;
}

/**
 * The tar travels in frames (4-byte big-endian length, then the bytes) and
 * ends with an empty frame, so tspaasd can tell a complete archive from a
 * hook that died halfway (both look like end of stream on a unix socket).
 */
export function frame(chunk: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(chunk.length);
  return Buffer.concat([head, chunk]);
}

/** The empty frame that ends the archive. */
export const LAST_FRAME = Buffer.alloc(4);
