/**
 * A real pty for interactive CLI tests: a private tmux server runs one
 * command in an 80x24 window; tests type keys, resize the window and read
 * the screen. The pane's shell prints the command's exit code itself (tmux's
 * own "Pane is dead (status N)" line is not always drawn) and then waits, so
 * the screen stays readable after the command ends.
 */
import { execFileSync } from 'node:child_process';

export interface TmuxSession {
  keys(...keys: string[]): void;
  resize(cols: number, rows: number): void;
  screen(): Promise<string>;
  /** The command's exit status, once it has ended. */
  exitStatus(): Promise<number>;
}

/** Poll `fn` every 200 ms until `accept` holds; fails after `timeoutMs` with the last value. */
export async function pollUntil<T = string>(fn: () => Promise<T>, accept: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (accept(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Start `argv` (in `cwd`, with `env` added to the pane's environment) in a new
 * tmux server named after `name`; the server is killed at the test's teardown.
 */
export function tmuxSession(t: { teardown(fn: () => void): void }, name: string, argv: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {}): TmuxSession {
  const server = `tspaas-${process.pid}-${name}`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', server, ...a], { encoding: 'utf8' });
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const command = `${['env', ...env, ...argv].map(quote).join(' ')}; echo "CLI-EXIT=$?"; sleep 600`;
  tmux('new-session', '-d', '-s', 'e2e', '-x', '80', '-y', '24', ...(opts.cwd ? ['-c', opts.cwd] : []), command);
  t.teardown(() => { try { tmux('kill-server'); } catch { /* already gone */ } });
  const screen = () => Promise.resolve(tmux('capture-pane', '-p', '-t', 'e2e'));
  return {
    keys: (...keys) => void tmux('send-keys', '-t', 'e2e', ...keys),
    resize: (cols, rows) => void tmux('resize-window', '-t', 'e2e', '-x', String(cols), '-y', String(rows)),
    screen,
    exitStatus: async () => Number(/CLI-EXIT=(\d+)/.exec(await pollUntil(screen, (s) => /CLI-EXIT=\d+/.test(s), 'the command to exit'))![1]),
  };
}

/**
 * The resize check both pty tests share: after the window changes, the new
 * size travels SIGWINCH → CLI → daemon → the container's pty while typed keys
 * go straight to the shell, so ask `stty size` again until it shows.
 */
export async function expectSize(pty: TmuxSession, rows: number, cols: number): Promise<void> {
  await pollUntil(async () => {
    pty.keys('clear; stty size', 'Enter');
    await new Promise((r) => setTimeout(r, 300));
    return pty.screen();
  }, (s) => new RegExp(`^${rows} ${cols}$`, 'm').test(s), `stty size ${rows} ${cols}`);
}
