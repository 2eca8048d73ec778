/**
 * Detach keys: the spec format is moby/term's `ToBytes` (its ascii_test.go
 * cases), the matching its escape proxy's (proxy_test.go: a partial match is
 * held back, a broken one passed on, a complete one ends the input).
 */
import test from 'ava';
import { DEFAULT_DETACH_KEYS, DetachScanner, parseDetachKeys } from '../../../runtime/containers/detach-keys.js';

test('parseDetachKeys: ctrl-<c>, single characters and DEL, as moby/term ToBytes reads them', (t) => {
  t.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  t.deepEqual([...parseDetachKeys('ctrl-a,a')], [1, 97]);
  t.deepEqual([...parseDetachKeys('ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_')], [0, 27, 28, 29, 30, 31]);
  t.deepEqual([...parseDetachKeys('DEL,+')], [127, 43]);
  t.is(parseDetachKeys(''), DEFAULT_DETACH_KEYS, 'empty: the default ctrl-p ctrl-q');
  t.is(parseDetachKeys(undefined), DEFAULT_DETACH_KEYS);
});

test('parseDetachKeys: unknown keys are Invalid, worded like dockerd', (t) => {
  for (const bad of ['ctrl-', 'ctrl-1', 'ctrl-P', 'crtl-p', 'ab', 'ctrl-p,,ctrl-q']) {
    const err = t.throws(() => parseDetachKeys(bad));
    t.is((err as { kind?: string }).kind, 'Invalid', bad);
    t.regex(err!.message, new RegExp(`^Invalid detach keys \\(${bad.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\) provided`));
  }
  t.regex(t.throws(() => parseDetachKeys('x,', 'escape keys'))!.message, /^Invalid escape keys \(x,\) provided/);
});

test('DetachScanner: input passes; a complete sequence detaches and drops what follows it', (t) => {
  const s = new DetachScanner(Buffer.from([16, 17]));
  t.deepEqual(s.scan(Buffer.from('hello')), { pass: Buffer.from('hello'), detach: false });
  t.deepEqual(s.scan(Buffer.from([0x61, 16, 17, 0x62])), { pass: Buffer.from('a'), detach: true });
});

test('DetachScanner: a partial match is held across chunks, then passed on with the byte that broke it', (t) => {
  const s = new DetachScanner(Buffer.from([16, 17]));
  t.deepEqual(s.scan(Buffer.from([0x61, 16])), { pass: Buffer.from('a'), detach: false }, 'ctrl-p held back');
  t.deepEqual(s.scan(Buffer.from('b')), { pass: Buffer.from([16, 0x62]), detach: false }, 'not the sequence: ctrl-p reaches the process');
  t.deepEqual(s.scan(Buffer.from([16])), { pass: Buffer.alloc(0), detach: false });
  t.deepEqual(s.scan(Buffer.from([17])), { pass: Buffer.alloc(0), detach: true }, 'split over two reads');
});

test('DetachScanner: a one-key sequence detaches at once', (t) => {
  t.deepEqual(new DetachScanner(Buffer.from([16])).scan(Buffer.from([16])), { pass: Buffer.alloc(0), detach: true });
});
