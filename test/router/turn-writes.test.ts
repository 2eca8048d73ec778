/**
 * router/fast/turn-writes.ts: the fast path's writes of one event-loop turn
 * stay on their sockets until the turn ends, then leave in order, one
 * system call per socket, and nothing is lost when a socket ends meanwhile.
 */
import test from 'ava';
import net from 'node:net';
import { writeAtTurnEnd } from '../../router/fast/turn-writes.js';

/** A connected pair on loopback: `client` is ours, `server` sees what it sends. */
async function pair(): Promise<{ client: net.Socket; server: net.Socket; received: () => string; close: () => void }> {
  let server!: net.Socket;
  let got = '';
  const listening = net.createServer((s) => { server = s; s.setEncoding('latin1').on('data', (d: string) => { got += d; }); });
  await new Promise<void>((r) => listening.listen(0, '127.0.0.1', r));
  const client = net.connect((listening.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  while (server === undefined) await new Promise((r) => setImmediate(r));
  return { client, server, received: () => got, close: () => { client.destroy(); server.destroy(); listening.close(); } };
}

async function until(cond: () => boolean): Promise<void> {
  const start = Date.now();
  while (!cond() && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 5));
}

test('writes of one turn stay buffered until the turn ends, then leave in order on every socket', async (t) => {
  const a = await pair();
  const b = await pair();
  t.true(writeAtTurnEnd(a.client, 'GET /1 HTTP/1.1\r\n\r\n', 'latin1'));
  writeAtTurnEnd(b.client, Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
  writeAtTurnEnd(a.client, 'GET /2 HTTP/1.1\r\n\r\n', 'latin1');
  // Still this turn: nothing was handed to the kernel.
  t.is(a.client.writableLength, 38);
  t.is(b.client.writableLength, 19);
  await new Promise((r) => setImmediate(r));
  t.is(a.client.writableLength, 0);
  t.is(b.client.writableLength, 0);
  await until(() => a.received().length === 38 && b.received().length === 19);
  t.is(a.received(), 'GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n');
  t.is(b.received(), 'HTTP/1.1 200 OK\r\n\r\n');
  a.close();
  b.close();
});

test('a socket ended in the same turn sends what was deferred before its end', async (t) => {
  const a = await pair();
  writeAtTurnEnd(a.client, 'first,', 'latin1');
  a.client.end('last');
  await until(() => a.received() === 'first,last');
  t.is(a.received(), 'first,last');
  // The turn's end finds the socket already uncorked by `end`: nothing breaks.
  await new Promise((r) => setImmediate(r));
  a.close();
});
