import test from 'ava';
import { encodeFrame, outputEncoder } from '../../../../runtime/api/streams/framing.js';

test('multiplexed frames carry the stream and a big-endian size', (t) => {
  t.deepEqual([...encodeFrame('stdout', Buffer.from('hi\n'))], [1, 0, 0, 0, 0, 0, 0, 3, 104, 105, 10]);
  const big = encodeFrame('stderr', Buffer.alloc(70000));
  t.is(big[0], 2);
  t.is(big.readUInt32BE(4), 70000);
  t.is(big.length, 70008);
});

test('tty output is raw', (t) => {
  t.deepEqual(outputEncoder(false)('stdout', Buffer.from('x')), Buffer.from('x'));
  t.is(outputEncoder(true)('stderr', Buffer.from('x'))[0], 2);
});
