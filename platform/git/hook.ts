/**
 * The pre-receive hook program (git runs it with the pushed refs on stdin,
 * `<old> <new> <ref>` per line, while the new objects wait in quarantine).
 * argv: <bridge socket> <app>. It refuses refs other than main/master, then
 * streams `git archive` of the pushed commit to tspaasd (protocol.ts) and
 * prints what comes back to stderr, which git shows the pusher as
 * `remote: …`. Its exit code decides whether git updates the ref. Node
 * built-ins only: it starts on every push.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { DEPLOY_BRANCHES, encodeMessage, frame, LAST_FRAME, type BridgeMessage, type PushHeader } from './protocol.js';

const ZERO = /^0+$/;

interface RefUpdate { oldrev: string; newrev: string; ref: string }

/** Read the updates, pick the deploy ref or explain the refusal, hand it over; resolves with the exit code. */
async function main(argv: string[]): Promise<number> {
  const [socketPath, app] = argv;
  const updates = parseUpdates(await readStdin());
  const refused = refusal(updates);
  if (refused) {
    refused.forEach(say);
    return 1;
  }
  const u = updates[0];
  return handOver(socketPath, { app, ref: u.ref, oldrev: u.oldrev, newrev: u.newrev });
}

function parseUpdates(text: string): RefUpdate[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const [oldrev, newrev, ref] = l.trim().split(/\s+/);
    return { oldrev, newrev, ref };
  });
}

/** Lines explaining why the push is refused, or null when it is one update of main or master. */
function refusal(updates: RefUpdate[]): string[] | null {
  const other = updates.find((u) => !DEPLOY_BRANCHES.some((b) => u.ref === `refs/heads/${b}`));
  if (other) {
    const name = other.ref.replace(/^refs\/(heads|tags)\//, '');
    const what = other.ref.startsWith('refs/tags/') ? `tag '${name}'` : `branch '${name}'`;
    return [` !     Push rejected: ${what} does not deploy.`, ` !     Push to main or master to deploy (git push tspaas ${name}:main).`];
  }
  if (updates.length !== 1) return [' !     Push rejected: push main or master, not both at once.'];
  if (ZERO.test(updates[0].newrev)) return [` !     Push rejected: ${updates[0].ref.replace('refs/heads/', '')} cannot be deleted.`];
  return null;
}

/** Stream the archive to tspaasd, print its lines; 0 only when it says the deploy succeeded. */
function handOver(socketPath: string, header: PushHeader): Promise<number> {
  return new Promise((resolve) => {
    let exit: number | null = null;
    let buffered = '';
    const socket = net.createConnection(socketPath);
    socket.on('error', (err) => {
      if (exit === null) say(` !     Push rejected: cannot reach tspaasd (${err.message}).`);
    });
    socket.on('connect', () => {
      socket.write(encodeMessage(header));
      const archive = spawn('git', ['archive', '--format=tar', header.newrev], { stdio: ['ignore', 'pipe', 'inherit'] });
      archive.stdout.on('data', (chunk: Buffer) => {
        if (!socket.write(frame(chunk))) archive.stdout.pause();
      });
      socket.on('drain', () => archive.stdout.resume());
      archive.on('close', (code) => {
        if (code === 0) return void socket.end(LAST_FRAME);
        exit = 1;
        say(` !     Push rejected: git archive of ${header.newrev} failed (exit ${code}).`);
        socket.destroy();
      });
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) exit = handle(JSON.parse(l) as BridgeMessage) ?? exit;
    });
    socket.on('close', () => {
      if (exit === null) say(' !     Push rejected: tspaasd went away before the deploy finished.');
      resolve(exit ?? 1);
    });
  });
}

function handle(m: BridgeMessage): number | null {
  if ('line' in m) say(m.line);
  return 'exit' in m ? m.exit : null;
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (c: string) => { text += c; });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  say(` !     Push rejected: ${(err as Error).message}`);
  process.exitCode = 1;
});
