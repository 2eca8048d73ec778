import test from 'ava';
import { EngineClient, encodeQuery, errorFromResponse } from '../../cli/engine-client.js';
import { FakeApi } from './fake-api.js';

test('errorFromResponse maps status to kind and keeps the server message', (t) => {
  t.like(errorFromResponse(404, '{"message":"No such container: x"}'), { kind: 'NotFound', message: 'No such container: x' });
  t.like(errorFromResponse(409, '{"message":"name in use"}'), { kind: 'Conflict' });
  t.like(errorFromResponse(400, 'bad json here'), { kind: 'Invalid', message: 'bad json here' });
  t.like(errorFromResponse(500, ''), { kind: 'Internal', message: 'HTTP 500' });
  t.like(errorFromResponse(503, '{"message":"no runtime"}'), { kind: 'Unavailable' });
  t.like(errorFromResponse(401, '{"message":"who are you"}'), { kind: 'Unauthorized' });
  t.like(errorFromResponse(403, '{"message":"pre-defined network"}'), { kind: 'Forbidden' });
});

test('encodeQuery repeats arrays, writes booleans as 1/0 and skips empty values', (t) => {
  t.is(encodeQuery({ names: ['a', 'b:1'], all: true, force: false, t: 5, x: undefined, y: null }), '?names=a&names=b%3A1&all=1&force=0&t=5');
  t.is(encodeQuery({}), '');
});

test('lines yields JSON lines split across chunks and throws on an error line', async (t) => {
  const api = await new FakeApi({
    'POST /images/load': (_req, res) => {
      res.write('{"stream":"Loa');
      setTimeout(() => res.end('ded image: a:1\\n"}\n{"status":"x"}\n'), 10);
    },
    'POST /images/create': { text: '{"status":"one"}\n{"error":"boom","errorDetail":{"message":"boom!"}}\n' },
  }).listen();
  t.teardown(() => api.close());
  const client = new EngineClient(api.socketPath);
  const got = [];
  for await (const m of client.lines('POST', '/images/load')) got.push(m);
  t.deepEqual(got, [{ stream: 'Loaded image: a:1\n' }, { status: 'x' }]);
  await t.throwsAsync(async () => {
    for await (const m of client.lines('POST', '/images/create')) t.truthy(m);
  }, { message: 'boom!' });
});

test('304 is a success (start of a running container)', async (t) => {
  const api = await new FakeApi({ 'POST /containers/x/start': { status: 304 } }).listen();
  t.teardown(() => api.close());
  t.is(await new EngineClient(api.socketPath).json('POST', '/containers/x/start'), undefined);
});
