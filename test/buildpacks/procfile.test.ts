/** Procfile, release YAML, buildpack selection and references: the runner's pure parts. */
import test from 'ava';
import { parseProcfile } from '../../buildpacks/procfile.js';
import { parseRelease, mergeReleases } from '../../buildpacks/release.js';
import { selectBuildpacks } from '../../buildpacks/select.js';
import { isGitRef, parseRemote, slugOf, splitPin } from '../../buildpacks/resolve.js';
import { appConfig, slugTarCommand } from '../../buildpacks/slug.js';
import { parseLayerDeclarations } from '../../buildpacks/layers.js';

test('Procfile: comments, blank lines, release, last one wins, errors name the line', (t) => {
  const p = parseProcfile('# top\n\nweb:  node index.js  \nworker: ./work --fast\r\nrelease: ./migrate\nweb: node other.js\n');
  t.deepEqual(p.processTypes, { web: 'node other.js', worker: './work --fast' });
  t.is(p.release, './migrate');
  t.throws(() => parseProcfile('web: ok\nweb ok\n'), { message: /^Procfile line 2 is not "name: command": "web ok"/ });
  t.throws(() => parseProcfile('web:\n'), { message: /^Procfile line 1 has no command for "web"/ });
  t.throws(() => parseProcfile('we b: x\n'), { message: /line 1/ });
});

test('release YAML: config_vars and default_process_types as strings; later buildpacks win', (t) => {
  const a = parseRelease('---\nconfig_vars:\n  A: 1\n  B: "x"\naddons: []\ndefault_process_types:\n  web: node a.js\n', 'a');
  t.deepEqual(a, { configVars: { A: '1', B: 'x' }, defaultProcessTypes: { web: 'node a.js' } });
  t.deepEqual(parseRelease('', 'e'), { configVars: {}, defaultProcessTypes: {} });
  t.throws(() => parseRelease('config_vars: [', 'bad'), { message: /^bad: bin\/release printed invalid YAML/ });
  const merged = mergeReleases([a, { configVars: { B: 'y' }, defaultProcessTypes: { worker: 'w' } }]);
  t.deepEqual(merged, { configVars: { A: '1', B: 'y' }, defaultProcessTypes: { web: 'node a.js', worker: 'w' } });
});

test('selection: the request, then .buildpacks, then the bundled list in order', (t) => {
  t.deepEqual(selectBuildpacks({ explicit: ['go'], dotBuildpacks: 'nodejs\n' }), { refs: ['go'], mode: 'all', source: 'the build request' });
  t.deepEqual(selectBuildpacks({ explicit: [], dotBuildpacks: '# c\nnodejs\n\n./bp\n' }).refs, ['nodejs', './bp']);
  t.deepEqual(selectBuildpacks({ explicit: [], dotBuildpacks: null }), {
    refs: ['nodejs', 'python', 'go', 'static', 'procfile'], mode: 'first-detected', source: 'the bundled list',
  });
});

test('buildpack references: git URLs with #ref, slugs', (t) => {
  t.true(isGitRef('https://github.com/heroku/heroku-buildpack-ruby#v250'));
  t.true(isGitRef('file:///srv/bp'));
  t.true(isGitRef('git@github.com:me/bp.git'));
  t.false(isGitRef('./bp'));
  t.false(isGitRef('nodejs'));
  t.deepEqual(splitPin('https://x/bp.git#v2'), ['https://x/bp.git', 'v2']);
  t.deepEqual(splitPin('/srv/bp'), ['/srv/bp', undefined]);
  t.is(slugOf('https://github.com/heroku/heroku-buildpack-ruby.git#v250'), 'heroku-buildpack-ruby');
});

test('remote buildpack references: https only, kinds, pins; IPv4 literals normalized before any check', (t) => {
  t.deepEqual(parseRemote('https://github.com/heroku/heroku-buildpack-ruby#v250'),
    { url: 'https://github.com/heroku/heroku-buildpack-ruby', host: 'github.com', port: 443, kind: 'git', pin: 'v250' });
  t.like(parseRemote('https://example.com:8443/bp.tar.gz'), { kind: 'tarball', port: 8443, pin: undefined });
  for (const odd of ['2130706433', '0x7f.0.0.1', '0177.0.0.1', '127.1']) { // OWASP SSRF prevention cheat sheet
    t.is(parseRemote(`https://${odd}/bp.git`)?.host, '127.0.0.1', odd);
  }
  for (const other of ['http://example.com/bp.git', 'file:///srv/bp', 'ssh://git@example.com/bp.git', 'git@example.com:bp.git', './bp', 'nodejs']) {
    t.is(parseRemote(other), null, other);
  }
  t.throws(() => parseRemote('https://[::1]/bp.git'), { message: /is not allowed/ });
  t.throws(() => parseRemote('https://example.com/bp.tgz#v1'), { message: /pins git repositories only/ });
});

test('image config: env from the stack and config vars, launcher, web first, labels per process type', (t) => {
  const c = appConfig({ Env: ['PATH=/usr/bin', 'LANG=C.UTF-8'] }, {
    tag: 'x', processTypes: { worker: 'w', web: 'node a.js' }, releaseCommand: 'm', configVars: { NODE_ENV: 'production', LANG: 'en' }, buildpacks: ['nodejs'],
  });
  t.deepEqual(c.Env, ['PATH=/usr/bin', 'LANG=en', 'HOME=/app', 'PORT=5000', 'NODE_ENV=production']);
  t.deepEqual(c.Entrypoint, ['/tspaas/launcher']);
  t.deepEqual(c.Cmd, ['node a.js']);
  t.is(c.WorkingDir, '/app');
  t.is(c.User, '1000:1000', 'a non-root user, as Heroku runs dynos');
  t.is(c.Labels!['io.tspaas.process.worker'], 'w');
  t.is(c.Labels!['io.tspaas.release'], 'm');
});

test('cached layer declarations: KEY PATH lines under /app, no escapes, no overlaps; the slug leaves them out', (t) => {
  t.deepEqual(parseLayerDeclarations('nodejs-runtime-v1-20 .heroku/node\n\nmods-1 node_modules/\n', 'bp'), [
    { key: 'nodejs-runtime-v1-20', path: '.heroku/node' }, { key: 'mods-1', path: 'node_modules' },
  ]);
  t.throws(() => parseLayerDeclarations('k ../etc\n', 'bp'), { message: /^bp: bad line in its layers file/ });
  for (const bad of ['k /abs', 'k /', 'k .', 'a b c']) t.throws(() => parseLayerDeclarations(bad, 'bp'), { message: /bad line/ });
  t.throws(() => parseLayerDeclarations('a .heroku\nb .heroku/node\n', 'bp'), { message: /overlap at "\.heroku"/ });
  t.deepEqual(slugTarCommand().slice(-2), ['-', 'app']);
  t.true(slugTarCommand().includes('--owner=1000') && slugTarCommand().includes('--group=1000'), '/app belongs to the app user');
  const rest = slugTarCommand({ excludes: ['app/node_modules'] });
  t.true(rest.indexOf('--anchored') < rest.indexOf('--exclude=app/node_modules'));
});
