import test from 'ava';
import { lookupIn, processWord, processWords, splitWords } from '../../../../runtime/build/dockerfile/index.js';

const vars = lookupIn({ A: 'a', EMPTY: '', PATHV: '/usr/local/bin/node' });
const w = (s: string, esc = '\\') => processWord(s, vars, esc);

test('plain and braced variables; unknown ones are empty', (t) => {
  t.is(w('$A-${A}x$NOPE.'), 'a-ax.');
  t.is(w('$'), '$');
  t.is(w('cost $5'), 'cost ');
});

test("Docker's modifiers", (t) => {
  t.is(w('${NOPE:-dflt}'), 'dflt');
  t.is(w('${EMPTY:-dflt}'), 'dflt');
  t.is(w('${EMPTY-dflt}'), '');
  t.is(w('${NOPE-dflt}'), 'dflt');
  t.is(w('${A:+alt}'), 'alt');
  t.is(w('${EMPTY:+alt}'), '');
  t.is(w('${EMPTY+alt}'), 'alt');
  t.is(w('${NOPE:+alt}'), '');
  t.is(w('${NOPE:-$A/x}'), 'a/x');
  t.is(w('${PATHV#*/}'), 'usr/local/bin/node');
  t.is(w('${PATHV##*/}'), 'node');
  t.is(w('${PATHV%/*}'), '/usr/local/bin');
  t.is(w('${PATHV%%/b*}'), '/usr/local');
  t.throws(() => w('${NOPE:?must be set}'), { message: 'NOPE: must be set' });
});

test('quotes and escapes', (t) => {
  t.is(w(`'$A "x"'`), '$A "x"');
  t.is(w(`"$A 'x' \\$A \\"q\\" \\n"`), `a 'x' $A "q" \\n`);
  t.is(w('\\$A'), '$A');
  t.is(w('a\\ b'), 'a b');
  t.is(w('`$A', '`'), '$A');
  t.throws(() => w('"open'), { message: /double-quote/ });
});

test('word splitting keeps quoted blanks together', (t) => {
  t.deepEqual(splitWords('a "b c" d\\ e \'f g\''), ['a', '"b c"', 'd\\ e', "'f g'"]);
  t.deepEqual(processWords('$A "b $A" c\\ d', vars), ['a', 'b a', 'c d']);
});
