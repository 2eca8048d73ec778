import test from 'ava';
import { EventEmitter } from 'node:events';
import { EventLog } from '../../../runtime/api/events.js';
import type { EngineEvent } from '../../../runtime/types.js';

const ev = (action: string, time: number): EngineEvent => ({ type: 'container', action, id: 'c1', attributes: { name: 'w' }, time, timeNano: time * 1e9 });

test('since replays the buffer, until ends the stream, live events flow between', async (t) => {
  const source = new EventEmitter();
  const log = new EventLog(source, 3);
  const now = Math.floor(Date.now() / 1000);
  for (const [i, a] of ['create', 'start', 'die', 'destroy'].entries()) source.emit('event', ev(a, now - 10 + i));
  const past: string[] = [];
  let ended = false;
  log.subscribe({ since: now - 100, until: now - 8, match: () => true }, (e) => past.push(e.action), () => { ended = true; });
  t.deepEqual(past, ['start', 'die'], 'only the 3 most recent are kept, and until bounds them');
  t.true(ended);

  const live: string[] = [];
  const stop = log.subscribe({ match: (e) => e.action !== 'die' }, (e) => live.push(e.action), () => t.fail());
  source.emit('event', ev('start', now));
  source.emit('event', ev('die', now));
  stop();
  source.emit('event', ev('start', now));
  t.deepEqual(live, ['start']);

  const soon: string[] = [];
  await new Promise<void>((resolve) => log.subscribe({ until: Date.now() / 1000 + 0.2, match: () => true }, (e) => soon.push(e.action), resolve));
  log.close();
  t.is(source.listenerCount('event'), 0);
});
