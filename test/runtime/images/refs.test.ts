import test from 'ava';
import { isKind } from '../../../lib/errors.js';
import { fullyQualified, idPrefix, normalizeReference, normalizeTag, parseReference } from '../../../runtime/images/refs.js';

const normalized: Array<[string, string]> = [
  ['busybox', 'busybox:latest'],
  ['busybox:1.36', 'busybox:1.36'],
  ['library/busybox', 'busybox:latest'],
  ['docker.io/library/busybox:musl', 'busybox:musl'],
  ['docker.io/busybox', 'busybox:latest'],
  ['index.docker.io/library/debian:bookworm', 'debian:bookworm'],
  ['docker.io/myorg/app:v1', 'myorg/app:v1'],
  ['myorg/app', 'myorg/app:latest'],
  ['localhost:5000/x:y', 'localhost:5000/x:y'],
  ['localhost/x', 'localhost/x:latest'],
  ['registry.example.com/team/app', 'registry.example.com/team/app:latest'],
  ['Registry.Example.com:443/a_b/c-d.e__f:T.1-x', 'Registry.Example.com:443/a_b/c-d.e__f:T.1-x'],
  [`busybox@sha256:${'a'.repeat(64)}`, `busybox@sha256:${'a'.repeat(64)}`],
  [`busybox:1@sha256:${'b'.repeat(64)}`, `busybox:1@sha256:${'b'.repeat(64)}`],
];

for (const [input, want] of normalized) {
  test(`normalizes ${input}`, (t) => {
    t.is(normalizeReference(input), want);
  });
}

const rejected = ['', 'Busybox', 'busy box', 'busybox:', 'busybox:-tag', ':tag', 'a//b', 'upper/Case', 'busybox@sha256:abc',
  `busybox:${'t'.repeat(129)}`, 'busybox@md5:0123', '-leading', 'trailing-', ' busybox', `${'a'.repeat(256)}`];

for (const input of rejected) {
  test(`rejects ${JSON.stringify(input.slice(0, 40))}`, (t) => {
    const err = t.throws(() => normalizeReference(input));
    t.true(isKind(err, 'Invalid'));
    t.regex(err!.message, /invalid reference format/);
  });
}

test('normalizeTag refuses digests and defaults to latest', (t) => {
  t.is(normalizeTag('docker.io/library/alpine'), 'alpine:latest');
  t.throws(() => normalizeTag(`alpine@sha256:${'c'.repeat(64)}`), { message: /digest/ });
});

test('parseReference keeps the parts apart', (t) => {
  t.deepEqual(parseReference('localhost:5000/team/app:2'), { name: 'localhost:5000/team/app', tag: '2', digest: undefined });
});

test('fullyQualified adds Docker Hub back', (t) => {
  t.is(fullyQualified('busybox:latest'), 'docker.io/library/busybox:latest');
  t.is(fullyQualified('myorg/app:v1'), 'docker.io/myorg/app:v1');
  t.is(fullyQualified('localhost:5000/x:y'), 'localhost:5000/x:y');
});

test('idPrefix recognises image IDs and prefixes', (t) => {
  t.is(idPrefix('sha256:abcd'), 'abcd');
  t.is(idPrefix('abcdef0123'), 'abcdef0123');
  t.is(idPrefix('abc'), undefined);
  t.is(idPrefix('busybox'), undefined);
});
