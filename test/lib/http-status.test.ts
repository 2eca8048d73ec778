import test from 'ava';
import type { ErrorKind } from '../../lib/errors.js';
import { STATUS_OF_KIND, kindOfStatus } from '../../lib/http-status.js';

test('every kind has its own status, and the status reads back as the kind', (t) => {
  const kinds = Object.keys(STATUS_OF_KIND) as ErrorKind[];
  t.is(new Set(Object.values(STATUS_OF_KIND)).size, kinds.length, 'no two kinds share a status');
  for (const kind of kinds) t.is(kindOfStatus(STATUS_OF_KIND[kind]), kind);
});

test('Docker\'s statuses (moby errdefs GetHTTPErrorStatusCode), and moby FromStatusCode\'s rule for the others', (t) => {
  t.deepEqual({ ...STATUS_OF_KIND }, {
    NotModified: 304, Invalid: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, Internal: 500, Unavailable: 503,
  });
  t.is(kindOfStatus(413), 'Invalid');
  t.is(kindOfStatus(431), 'Invalid');
  t.is(kindOfStatus(501), 'Internal');
  t.is(kindOfStatus(502), 'Internal');
});
