import test from 'ava';
import { ellipsis, humanBytesBinary, humanSize, parseSince, renderTemplate, shortId, table, timeAgo } from '../../cli/format.js';

test('table aligns columns like docker (min width 10, padding 3), last column unpadded', (t) => {
  const out = table(['CONTAINER ID', 'IMAGE', 'NAMES'], [['abc', 'busybox:latest', 'x'], ['defghi', 'a', 'longer_name']]);
  t.is(out, [
    'CONTAINER ID   IMAGE            NAMES',
    'abc            busybox:latest   x',
    'defghi         a                longer_name',
    '',
  ].join('\n'));
});

test('table with no rows prints the headers', (t) => {
  t.is(table(['REPOSITORY', 'TAG'], []), 'REPOSITORY   TAG\n');
});

test('humanSize uses decimal units with 3 significant digits', (t) => {
  t.is(humanSize(0), '0B');
  t.is(humanSize(999), '999B');
  t.is(humanSize(1234), '1.23kB');
  t.is(humanSize(4_260_000), '4.26MB');
  t.is(humanSize(123_000), '123kB');
  t.is(humanSize(2e9), '2GB');
});

test('humanBytesBinary uses binary units', (t) => {
  t.is(humanBytesBinary(1536), '1.5KiB');
  t.is(humanBytesBinary(32 * 1024 * 1024), '32MiB');
});

test('timeAgo accepts unix seconds and RFC 3339', (t) => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  t.is(timeAgo(now / 1000 - 300, now), '5 minutes ago');
  t.is(timeAgo('2024-05-01T10:00:00Z', now), '2 hours ago');
  t.is(timeAgo(0, now), 'N/A');
});

test('shortId and ellipsis', (t) => {
  t.is(shortId('sha256:0123456789abcdef0123'), '0123456789ab');
  t.is(shortId('fedcba9876543210'), 'fedcba987654');
  t.is(ellipsis('sh -c echo hello world', 10), 'sh -c ech…');
  t.is(ellipsis('short', 10), 'short');
});

test('parseSince: unix seconds, RFC 3339, durations', (t) => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  t.is(parseSince('1700000000', now), 1700000000);
  t.is(parseSince('1700000000.5', now), 1700000000.5);
  t.is(parseSince('2024-05-01T11:00:00Z', now), now / 1000 - 3600);
  t.is(parseSince('2024-05-01T13:00:00+02:00', now), now / 1000 - 3600);
  t.is(parseSince('2024-05-01T11:00:00', now), now / 1000 - 3600);
  t.is(parseSince('2024-05-01', now), Date.parse('2024-05-01T00:00:00Z') / 1000);
  t.is(parseSince('10m', now), now / 1000 - 600);
  t.is(parseSince('1h30m', now), now / 1000 - 5400);
  t.is(parseSince('500ms', now), now / 1000 - 0.5);
  t.throws(() => parseSince('yesterday', now), { message: /invalid time/ });
  t.throws(() => parseSince('10x', now));
});

test('renderTemplate handles fields, nested fields and json', (t) => {
  const data = { State: { Status: 'running', ExitCode: 0 }, Config: { Cmd: ['sh', '-c'] }, Name: '/web' };
  t.is(renderTemplate('{{.State.Status}} {{.State.ExitCode}}', data), 'running 0');
  t.is(renderTemplate('{{json .Config.Cmd}}', data), '["sh","-c"]');
  t.is(renderTemplate('{{ .Name }}\\t{{.Missing}}', data), '/web\t<no value>');
});
