/**
 * The one size rule: Docker's units.RAMInBytes (go-units size.go and its
 * size_test.go cases: binary units, decimals, optional i/b suffix).
 */
import test from 'ava';
import { parseBytes } from '../../lib/bytes.js';
import { isKind } from '../../lib/errors.js';

test('binary units like docker\'s --memory and --storage-opt size, decimals allowed', (t) => {
  t.is(parseBytes('1024'), 1024);
  t.is(parseBytes('4096'), 4096);
  t.is(parseBytes('512b'), 512);
  t.is(parseBytes('4k'), 4096);
  t.is(parseBytes('32m'), 32 * 1024 * 1024);
  t.is(parseBytes('32M'), 32 * 1024 * 1024);
  t.is(parseBytes('32mb'), 32 * 1024 * 1024);
  t.is(parseBytes('512m'), 512 * 1024 ** 2);
  t.is(parseBytes('10G'), 10 * 1024 ** 3);
  t.is(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  t.is(parseBytes('1.5GiB'), 1.5 * 1024 ** 3);
  t.is(parseBytes('2GiB'), 2 * 1024 ** 3);
  t.is(parseBytes('32 MB'), 32 * 1024 * 1024, 'one space before the unit, as go-units allows');
  t.is(parseBytes('1.5b'), 1, 'truncated to whole bytes, as go-units does');
});

test('anything else is Invalid, naming what was asked', (t) => {
  t.throws(() => parseBytes('32x', '--memory'), { message: /^invalid --memory "32x"/ });
  for (const bad of ['abc', '', '-1G', '-1m', '10X', '1e3', '1.2.3g', '99999999999999999999P']) {
    const err = t.throws(() => parseBytes(bad, '--storage-opt size'));
    t.true(isKind(err, 'Invalid'), bad);
  }
});
