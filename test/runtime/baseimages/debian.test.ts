/** debian:bookworm built with mmdebstrap (needs Debian's mirror) into a real store, with progress, and run. */
import test from 'ava';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openImageStore } from '../../../runtime/images/index.js';
import type { Progress } from '../../../runtime/types.js';
import { buildBaseImage } from '../../../runtime/baseimages/index.js';
import { statusOf, mmdebstrapArgs } from '../../../runtime/baseimages/debian.js';
import { runImage } from './run-image.js';

test('debian:bookworm is made by mmdebstrap, reports its steps and runs bash', async (t) => {
  t.timeout(10 * 60 * 1000);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tspaas-debian-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const store = await openImageStore(dir);
  const progress: Progress[] = [];
  const image = await buildBaseImage('debian:bookworm', store, (p) => progress.push(p));
  const statuses = progress.map((p) => p.status);
  t.true(statuses.includes('downloading packages with apt...'), statuses.join('\n'));
  t.true(statuses.includes('installing essential packages...'));
  t.regex(statuses.at(-1)!, /^Built debian:bookworm/);
  t.deepEqual(image.repoTags, ['debian:bookworm']);
  t.deepEqual(image.config.config.Cmd, ['bash']);
  t.regex(image.config.history![0].created_by!, /mmdebstrap --variant=minbase/);
  t.true(image.size > 50 * 1024 * 1024);

  const r = await runImage(store, image, ['bash', '-c', 'cat /etc/debian_version; dpkg -s bash | grep ^Status; ls /dev/null']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^12\.\d+/);
  t.regex(r.stdout, /Status: install ok installed/);
});

test('mmdebstrap status lines become progress messages', (t) => {
  t.is(statusOf('I: running apt-get update...'), 'running apt-get update...');
  t.is(statusOf('W: something odd'), 'warning: something odd');
  t.is(statusOf('E: cannot download'), 'error: cannot download');
  t.is(statusOf('Get:1 http://deb.debian.org bookworm InRelease'), null);
  t.deepEqual(mmdebstrapArgs('bookworm'), ['--variant=minbase', '--format=tar', '--skip=output/dev', 'bookworm', '-']);
});
