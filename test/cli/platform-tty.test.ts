/**
 * The CLI on a real terminal (a pty from util-linux `script`), against a
 * stand-in platform API: `login` asks for the token without echoing it, and
 * `run` asks for a tty, relays raw output and exits with the remote code.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import type { RunMessage, User } from '../../platform/api/types.js';
import { shellQuote } from '../../cli/app-ref.js';
import { CLI_MAIN, StandIn, tempDirs } from './platform-stand-in.js';

const user: User = { id: 'u1', email: 'alice@example.com', isAdmin: false, teams: ['acme'], createdAt: '2026-11-23T00:00:00Z' };

/** Run the CLI under a pty; `answer(output)` may return text to type once the output so far asks for it. */
function onTerminal(args: string[], env: Record<string, string>, answer: (out: string) => string | undefined = () => undefined): Promise<{ code: number; out: string }> {
  const cmd = [process.execPath, '--import', import.meta.resolve('tsx'), CLI_MAIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${cmd}`, '/dev/null'], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let answered = false;
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    const text = answered ? undefined : answer(out);
    if (text !== undefined) { answered = true; child.stdin.write(text); }
  });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out })));
}

test('login on a terminal asks for the token and does not echo it', async (t) => {
  const dirs = await tempDirs();
  t.teardown(() => dirs.cleanup());
  const api = await new StandIn({ 'GET /v1/whoami': { json: user } }).listen();
  t.teardown(() => api.close());
  const r = await onTerminal(['login', api.url], { TSPAAS_CONFIG_DIR: dirs.configDir, HOME: dirs.cwd }, (out) => (out.includes('Token: ') ? 'sekrit-token\r' : undefined));
  t.is(r.code, 0, r.out);
  t.regex(r.out, /Token: /);
  t.notRegex(r.out, /sekrit/, 'the token is not echoed');
  t.regex(r.out, /Logged in to http:\/\/127\.0\.0\.1:\d+ as alice@example\.com/);
  t.is(api.requests.at(-1)!.auth, 'Bearer sekrit-token');
});

test('run on a terminal asks for a tty of the terminal\'s size, relays raw output, exits with the remote code', async (t) => {
  let start: RunMessage | undefined;
  const api = await new StandIn({}, {
    'GET /v1/apps/shop/run': (ws: import('ws').WebSocket) => {
      ws.on('message', (data: Buffer, binary: boolean) => {
        if (binary) return;
        const msg = JSON.parse(data.toString()) as RunMessage;
        if (msg.type !== 'start') return;
        start = msg;
        ws.send(JSON.stringify({ type: 'started', name: 'run.7', containerId: 'c7' } satisfies RunMessage));
        ws.send(Buffer.from('root@run.7:/app# \x1b[1mbold\x1b[0m\r\n'), { binary: true });
        ws.send(JSON.stringify({ type: 'exit', code: 3 } satisfies RunMessage));
        ws.close();
      });
    },
  }).listen();
  t.teardown(() => api.close());
  const r = await onTerminal(['run', '-a', 'shop', 'bash'], { TSPAAS_URL: api.url, TSPAAS_TOKEN: 'tok' });
  t.is(r.code, 3, r.out);
  t.like(start, { type: 'start', command: ['bash'], tty: true, rows: 30, cols: 100 });
  t.true(r.out.includes('root@run.7:/app# \x1b[1mbold\x1b[0m'), r.out);
});
