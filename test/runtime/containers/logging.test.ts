/**
 * The engine logs the failures it survives (runtime/types.ts, Logger), each
 * with its container ID and cause, instead of swallowing them: here a
 * restart-policy start that fails, read back from a pino logger's stream.
 */
import test from 'ava';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { startTestEngine } from '../../helpers/engine.js';

interface LogLine {
  level: number;
  msg: string;
  container?: string;
  err?: { message: string };
}

/** A pino logger whose lines land, parsed, in `lines`. */
function capturingLogger(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'warn' }, stream), lines };
}

test('a restart-policy start that fails is logged as an error with the container ID and the cause', async (t) => {
  const { log, lines } = capturingLogger();
  const te = await startTestEngine({ log });
  t.teardown(() => te.cleanup());
  const e = te.engine;
  await e.ensureImage('busybox');
  // The first run deletes its own shell and fails: the policy's start then cannot find `sh`.
  const c = await e.createContainer({
    image: 'busybox', cmd: ['sh', '-c', 'rm /bin/sh; exit 1'], restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
  });
  await e.startContainer(c.record.id);
  const failed = () => lines.find((l) => l.container === c.record.id && /restart policy/.test(l.msg));
  for (let i = 0; i < 300 && !failed(); i++) await sleep(100);

  const line = failed();
  t.truthy(line, `no restart-policy line among ${JSON.stringify(lines)}`);
  t.is(line?.level, 50, 'logged as an error');
  t.regex(line?.err?.message ?? '', /not found|no such file/i);
  const s = (await e.getContainer(c.record.id)).state;
  t.is(s.status, 'exited');
  t.regex(s.error, /not found|no such file/i, 'the failed start is recorded on the container too');
});
