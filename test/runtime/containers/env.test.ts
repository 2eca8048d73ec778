/** Env lists merged as Docker merges them (moby opts.ReplaceOrAppendEnvValues and its env_test.go cases). */
import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import { mergeConfigEnv, mergeEnv } from '../../../runtime/containers/env.js';

test('a later KEY=value replaces an earlier one in its place; new keys are appended', (t) => {
  t.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3', 'C']), ['A=3', 'B=2']);
  t.deepEqual(mergeEnv(['PATH=/bin', 'HOSTNAME=x'], ['FOO=a=b', 'PATH=/usr/bin'], ['HOSTNAME=y']), ['PATH=/usr/bin', 'HOSTNAME=y', 'FOO=a=b']);
  t.deepEqual(mergeEnv(['EMPTY='], []), ['EMPTY='], 'an empty value is a value');
});

test('a bare KEY removes the earlier value (docker run -e KEY with KEY unset)', (t) => {
  t.deepEqual(mergeEnv(['A=1', 'B=2'], ['A']), ['B=2']);
  t.deepEqual(mergeEnv(['A=1'], ['A', 'A=4']), ['A=4'], 'and a later value sets it again');
});

test('an empty key is Invalid', (t) => {
  t.true(isKind(t.throws(() => mergeEnv(['=x'])), 'Invalid'));
  t.true(isKind(t.throws(() => mergeEnv([], [''])), 'Invalid'));
});

test("Config.Env keeps a bare KEY in place of the image's KEY, as dockerd's merge (docker-py test_create_with_environment_variable_no_value)", (t) => {
  t.deepEqual(mergeConfigEnv(['PATH=/bin', 'Foo=image'], ['Foo', 'Other=one', 'Blank=']), ['PATH=/bin', 'Other=one', 'Blank=', 'Foo']);
  t.deepEqual(mergeConfigEnv([], ['Foo', 'Foo=2']), ['Foo=2'], 'a later value wins');
  t.deepEqual(mergeConfigEnv([], ['Foo=2', 'Foo']), ['Foo'], 'and a later bare one');
  t.deepEqual(mergeEnv(mergeConfigEnv(['Foo=image'], ['Foo'])), [], 'the process gets no Foo');
});
