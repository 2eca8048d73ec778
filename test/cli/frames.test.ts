import test from 'ava';
import { createDemuxer, encodeFrame, type FrameStream } from '../../cli/frames.js';

function collect(chunks: Buffer[]): [FrameStream, string][] {
  const out: [FrameStream, string][] = [];
  const feed = createDemuxer((stream, data) => out.push([stream, data.toString()]));
  for (const c of chunks) feed(c);
  return out;
}

test('demuxes whole frames in one chunk', (t) => {
  const data = Buffer.concat([encodeFrame('stdout', 'hello\n'), encodeFrame('stderr', 'oops\n')]);
  t.deepEqual(collect([data]), [['stdout', 'hello\n'], ['stderr', 'oops\n']]);
});

test('demuxes frames split at every byte, including inside the header', (t) => {
  const data = Buffer.concat([encodeFrame('stdout', 'abc'), encodeFrame('stderr', 'de'), encodeFrame('system', 'fatal')]);
  const bytes = [...data].map((b) => Buffer.from([b]));
  t.deepEqual(collect(bytes), [['stdout', 'abc'], ['stderr', 'de'], ['system', 'fatal']]);
});

test('empty frames and a header followed by the payload in a later chunk', (t) => {
  const frame = encodeFrame('stdout', 'xyz');
  t.deepEqual(collect([encodeFrame('stdout', ''), frame.subarray(0, 8), frame.subarray(8)]), [['stdout', ''], ['stdout', 'xyz']]);
});

test('large payload length is read big-endian', (t) => {
  const payload = Buffer.alloc(70_000, 0x61);
  const out = collect([encodeFrame('stderr', payload).subarray(0, 40_000), encodeFrame('stderr', payload).subarray(40_000)]);
  t.is(out.length, 1);
  t.is(out[0]![0], 'stderr');
  t.is(out[0]![1].length, 70_000);
});

test('an incomplete trailing frame is held back', (t) => {
  const frame = encodeFrame('stdout', 'partial');
  t.deepEqual(collect([frame.subarray(0, frame.length - 1)]), []);
});
