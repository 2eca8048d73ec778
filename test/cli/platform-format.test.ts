/** The platform commands' pure parts: argument parsing, tables, log lines, URLs and the helper command line. */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { appFromGitUrl, helperCommand, shellQuote } from '../../cli/app-ref.js';
import { logsQuery } from '../../cli/commands/platform/logs.js';
import { parseScale, targets } from '../../cli/commands/platform/ps.js';
import { parseVersion } from '../../cli/commands/platform/releases.js';
import { parsePairs } from '../../cli/commands/platform/shared.js';
import { appsTable, configLines, formationWords, logLine, memory, psTable, releasesTable } from '../../cli/commands/platform/tables.js';
import { isPlatformUrl, loginFor, platformUrl } from '../../cli/platform-credentials.js';
import type { AppInfo, ProcessInfo, Release } from '../../platform/api/types.js';

test('scale words: TYPE=N, TYPE=N:SIZE, TYPE=:SIZE; anything else is refused with a hint', (t) => {
  t.deepEqual(parseScale('web=4'), { type: 'web', quantity: 4 });
  t.deepEqual(parseScale('web=2:512m'), { type: 'web', quantity: 2, size: '512M' });
  t.deepEqual(parseScale('worker=:1G'), { type: 'worker', size: '1G' });
  t.deepEqual(parseScale('web=0'), { type: 'web', quantity: 0 });
  // A plan's name goes as it is (lowercased); the platform says whether it is one.
  t.deepEqual(parseScale('web=2:Standard-1X'), { type: 'web', quantity: 2, size: 'standard-1x' });
  for (const bad of ['web', 'web=', 'web=two', 'web=2:1x', 'web=2:-big', '=3', 'web=-1']) {
    const err = t.throws(() => parseScale(bad));
    t.regex(err.message, /TYPE=QUANTITY/, bad);
    t.regex((err as { hint?: string }).hint ?? '', /web=2:512M/);
  }
});

test('versions, NAME=value pairs, logs query, restart targets', (t) => {
  t.is(parseVersion('v3'), 3);
  t.is(parseVersion('12'), 12);
  for (const bad of ['v0', 'three', 'v3.1', '']) t.throws(() => parseVersion(bad), undefined, bad);
  t.deepEqual(parsePairs(['A=1', 'B=x=y', 'EMPTY='], 'NAME=value'), { A: '1', B: 'x=y', EMPTY: '' });
  t.throws(() => parsePairs(['NOEQUALS'], 'NAME=value'), { message: /"NOEQUALS" is not NAME=value/ });
  t.is(logsQuery({ follow: true, tail: '20', ps: 'web' }), '?follow=1&tail=20&ps=web');
  t.is(logsQuery({}), '');
  t.throws(() => logsQuery({ tail: 'ten' }), { message: /not a number/ });
  const p = (name: string) => ({ name, type: name.split('.')[0] }) as ProcessInfo;
  t.true(targets(p('web.1')));
  t.true(targets(p('web.1'), 'web'));
  t.false(targets(p('worker.1'), 'web'));
  t.true(targets(p('web.2'), 'web.2'));
  t.false(targets(p('web.1'), 'web.2'));
});

test('memory sizes print as scale takes them', (t) => {
  t.is(memory(512 * 2 ** 20), '512M');
  t.is(memory(2 ** 30), '1G');
  t.is(memory(1536 * 2 ** 20), '1536M');
  t.is(memory(1000), '1000B');
  t.is(formationWords([{ type: 'web', quantity: 2, plan: 'basic', memoryBytes: 2 ** 29 }, { type: 'worker', quantity: 0, plan: 'standard-1x', memoryBytes: 2 ** 30 }]), 'web=2:basic/512M worker=0:standard-1x/1G');
});

test('tables: apps, processes, releases, config', (t) => {
  const now = Date.parse('2026-11-23T10:00:00Z');
  const app = { name: 'shop', team: 'acme', url: 'http://shop.localhost:8080', gitUrl: 'x', currentVersion: 3, formation: [], domains: [], createdAt: '' } as AppInfo;
  t.is(appsTable([app, { ...app, name: 'blog', currentVersion: null }]), [
    'NAME      TEAM      RELEASE          URL',
    'shop      acme      v3               http://shop.localhost:8080',
    'blog      acme      (not deployed)   http://shop.localhost:8080',
    '',
  ].join('\n'));
  t.regex(appsTable([]), /apps:create/);
  const proc = { name: 'web.1', type: 'web', index: 1, containerId: 'c1', releaseVersion: 3, state: 'up', address: '10.1.0.2', port: 5000, restarts: 1, startedAt: '2026-11-23T09:55:00Z', command: 'node index.js', memoryBytes: 512 * 1024 * 1024 } as ProcessInfo;
  const ps = psTable([proc, { ...proc, name: 'web.2', state: 'crashed', address: null, port: null, memoryBytes: null }], now).split('\n');
  t.deepEqual(ps[0]!.split(/\s{2,}/), ['NAME', 'STATE', 'UPTIME', 'RELEASE', 'SIZE', 'ADDRESS', 'RESTARTS', 'COMMAND']);
  t.deepEqual(ps[1]!.split(/\s{2,}/), ['web.1', 'up', '5 minutes', 'v3', '512M', '10.1.0.2:5000', '1', 'node index.js']);
  t.deepEqual(ps[2]!.split(/\s{2,}/), ['web.2', 'crashed', '-', 'v3', '-', '-', '1', 'node index.js']);
  const rel = { version: 4, status: 'succeeded', description: 'Set GREETING config vars', userEmail: 'a@example.com', createdAt: '2026-11-23T08:00:00Z' } as Release;
  t.deepEqual(releasesTable([rel], [], now).split('\n')[1]!.split(/\s{2,}/), ['v4', 'succeeded', 'Set GREETING config vars', 'a@example.com', '2 hours ago']);
  t.is(configLines({ ZED: '1', A_LONG_NAME: 'x y' }), 'A_LONG_NAME: x y\nZED:         1\n');
  t.is(configLines({}), 'No config vars set\n');
});

test('log lines: time, source, text; each source in its own colour on a terminal', (t) => {
  const e = { time: '2026-11-23T10:00:00.123Z', source: 'web.1', stream: 'stdout' as const, line: 'listening on 5000' };
  t.is(logLine(e, false), '2026-11-23T10:00:00.123Z web.1: listening on 5000');
  const coloured = logLine(e, true);
  // eslint-disable-next-line no-control-regex
  t.regex(coloured, /^\x1b\[\d+m2026-11-23T10:00:00\.123Z web\.1:\x1b\[0m listening on 5000$/);
  t.is(logLine(e, true), coloured, 'the same source keeps its colour');
  // eslint-disable-next-line no-control-regex
  const colourOf = (source: string) => /^\x1b\[(\d+)m/.exec(logLine({ ...e, source }, true))![1];
  t.true(new Set(['web.1', 'web.2', 'worker.1', 'run.1'].map(colourOf)).size > 1, 'sources differ in colour');
});

test('platform URLs: a scheme makes a platform, the form is canonical, logins match by host and path prefix', (t) => {
  t.true(isPlatformUrl('http://127.0.0.1:5080'));
  t.true(isPlatformUrl('HTTPS://paas.example.com'));
  t.false(isPlatformUrl('127.0.0.1:5000'));
  t.false(isPlatformUrl('docker.io'));
  t.is(platformUrl('http://Paas.Example.com:5080/'), 'http://paas.example.com:5080');
  t.is(platformUrl('https://example.com/paas//'), 'https://example.com/paas');
  t.throws(() => platformUrl('http://u:p@example.com'), { message: /credentials/ });
  t.throws(() => platformUrl('ftp://example.com'), { message: /http/ });
  const logins = { current: null, servers: { 'http://h:1': { token: 'a' }, 'http://h:1/sub': { token: 'b' }, 'https://h:1': { token: 'c' } } };
  t.is(loginFor(logins, new URL('http://h:1/git/shop.git'))?.token, 'a');
  t.is(loginFor(logins, new URL('http://h:1/sub/git/shop.git'))?.token, 'b');
  t.is(loginFor(logins, new URL('https://h:1/'))?.token, 'c');
  t.is(loginFor(logins, new URL('http://other:1/')), undefined);
});

test('git URLs name the app; the helper command line survives the shell', (t) => {
  t.is(appFromGitUrl('http://127.0.0.1:5080/git/shop.git'), 'shop');
  t.is(appFromGitUrl('https://paas.example.com/git/my-app.git/'), 'my-app');
  t.is(appFromGitUrl('https://github.com/acme/shop.git'), null);
  t.is(shellQuote('/usr/bin/node'), '/usr/bin/node');
  t.is(shellQuote("it's here"), `'it'\\''s here'`);
  // printf stands in for node: it prints each word it gets, as git's shell would pass them.
  const cmd = helperCommand({ command: 'printf', args: ['%s\\n', '/opt/node 20/bin/node', "/o'brien/cli/git-credential/main.ts"] }, ['--platform', 'http://h:1']);
  t.true(cmd.startsWith('!'));
  const asGit = (op: string) => execFileSync('sh', ['-c', `${cmd.slice(1)} "$@"`, cmd.slice(1), op], { encoding: 'utf8', input: 'protocol=http\n\n' });
  t.deepEqual(asGit('get').trimEnd().split('\n'), ['/opt/node 20/bin/node', "/o'brien/cli/git-credential/main.ts", '--platform', 'http://h:1', 'get']);
  t.is(asGit('store'), '', 'store and erase start nothing');
  t.is(asGit('erase'), '');
});
