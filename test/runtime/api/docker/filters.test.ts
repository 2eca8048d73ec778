import test from 'ava';
import { filterImages, parseFilters, toListFilters } from '../../../../runtime/api/docker/filters.js';
import { isKind } from '../../../../lib/errors.js';
import type { Image } from '../../../../runtime/images/types.js';

test('both filter encodings parse', (t) => {
  t.deepEqual(parseFilters('{"status":{"running":true,"paused":false},"name":["w"]}'), { status: ['running'], name: ['w'] });
  t.deepEqual(parseFilters(null), {});
  t.deepEqual(parseFilters(''), {});
  t.true(isKind(t.throws(() => parseFilters('{nope')), 'Invalid'));
  t.true(isKind(t.throws(() => parseFilters('[1]')), 'Invalid'));
});

test('container filters map to ListFilters', (t) => {
  t.deepEqual(toListFilters({ name: ['/w'], label: ['a=b'], ancestor: ['busybox'] }, false), { all: false, name: ['w'], label: ['a=b'], ancestor: ['busybox'] });
  t.deepEqual(toListFilters({ status: ['exited'], exited: ['3'] }, false), { all: true, status: ['exited'], exited: [3] });
  t.true(isKind(t.throws(() => toListFilters({ status: ['sleeping'] }, false)), 'Invalid'));
  t.true(isKind(t.throws(() => toListFilters({ exited: ['x'] }, false)), 'Invalid'));
  t.deepEqual(toListFilters({ health: ['healthy', 'none'] }, false), { all: false, health: ['healthy', 'none'] });
  t.is(t.throws(() => toListFilters({ health: ['ill'] }, false))?.message, 'Unrecognised filter value for health: ill');
  const err = t.throws(() => toListFilters({ colour: ['red'] }, false));
  t.is(err?.message, "invalid filter 'colour'");
});

function image(tags: string[], labels: Record<string, string> = {}): Image {
  return {
    id: `sha256:${tags.join('') || 'none'}`, repoTags: tags, manifestDigest: '', layers: [], size: 0, created: '2024-01-01T00:00:00Z',
    config: { architecture: 'amd64', os: 'linux', config: { Labels: labels }, rootfs: { type: 'layers', diff_ids: [] } },
  };
}

test('image filters: dangling, reference globs, labels', (t) => {
  const imgs = [image(['busybox:latest']), image(['my/app:1', 'my/app:2'], { tier: 'web' }), image([])];
  const tags = (f: Record<string, string[]>) => filterImages(imgs, f).map((i) => i.repoTags.join(','));
  t.deepEqual(tags({ dangling: ['true'] }), ['']);
  t.deepEqual(tags({ dangling: ['false'] }), ['busybox:latest', 'my/app:1,my/app:2']);
  t.deepEqual(tags({ reference: ['busybox'] }), ['busybox:latest']);
  t.deepEqual(tags({ reference: ['my/*:2'] }), ['my/app:1,my/app:2']);
  t.deepEqual(tags({ reference: ['*'] }), ['busybox:latest']);
  t.deepEqual(tags({ label: ['tier=web'] }), ['my/app:1,my/app:2']);
  t.deepEqual(tags({ label: ['tier'] }), ['my/app:1,my/app:2']);
});
