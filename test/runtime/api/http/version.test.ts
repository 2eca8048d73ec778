import test from 'ava';
import { compareVersions, splitVersion } from '../../../../runtime/api/http/version.js';
import { isKind } from '../../../../lib/errors.js';

test('version prefixes are stripped; unprefixed paths use the server version', (t) => {
  t.deepEqual(splitVersion('/v1.44/containers/json'), { version: '1.44', path: '/containers/json' });
  t.deepEqual(splitVersion('/v1.24/_ping'), { version: '1.24', path: '/_ping' });
  t.deepEqual(splitVersion('/containers/json'), { version: '1.44', path: '/containers/json' });
  t.deepEqual(splitVersion('/v1.44'), { version: '1.44', path: '/v1.44' });
});

test('versions outside 1.24…1.44 are refused', (t) => {
  t.regex(t.throws(() => splitVersion('/v1.50/version'))!.message, /too new. Maximum supported API version is 1.44/);
  t.true(isKind(t.throws(() => splitVersion('/v1.12/version')), 'Invalid'));
  t.true(compareVersions('1.9', '1.10') < 0);
  t.is(compareVersions('1.44', '1.44'), 0);
});
