import test from 'ava';
import { httpErrorOf, INTERNAL_MESSAGE } from '../../../../runtime/api/http/errors.js';
import { conflict, forbidden, internal, invalid, notFound, notModified, unavailable } from '../../../../lib/errors.js';

test('one mapping from error kinds to statuses', (t) => {
  t.deepEqual(httpErrorOf(notFound('No such container: x')), { status: 404, message: 'No such container: x' });
  t.deepEqual(httpErrorOf(conflict('in use')), { status: 409, message: 'in use' });
  t.deepEqual(httpErrorOf(invalid('bad')), { status: 400, message: 'bad' });
  t.deepEqual(httpErrorOf(forbidden('no')), { status: 403, message: 'no' });
  t.deepEqual(httpErrorOf(notModified('already started')), { status: 304, message: null });
  t.deepEqual(httpErrorOf(unavailable('crun is missing')), { status: 503, message: 'crun is missing' });
});

test('internal errors never leak their message', (t) => {
  t.deepEqual(httpErrorOf(internal('secret path /var/x')), { status: 500, message: INTERNAL_MESSAGE });
  t.deepEqual(httpErrorOf(new TypeError('x is undefined')), { status: 500, message: INTERNAL_MESSAGE });
});
