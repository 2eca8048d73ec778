import test from 'ava';
import { familiarRef, joinRepoTag } from '../../../../runtime/api/docker/refs.js';

test('familiar references with the default tag', (t) => {
  t.is(familiarRef('busybox'), 'busybox:latest');
  t.is(familiarRef('docker.io/library/busybox'), 'busybox:latest');
  t.is(familiarRef('debian:bookworm'), 'debian:bookworm');
  t.is(familiarRef('localhost:5000/app'), 'localhost:5000/app:latest');
  t.is(familiarRef('sha256:' + 'a'.repeat(64)), 'sha256:' + 'a'.repeat(64));
});

test('repo and tag query values', (t) => {
  t.is(joinRepoTag('busybox', 'latest'), 'busybox:latest');
  t.is(joinRepoTag('busybox', ''), 'busybox');
  t.is(joinRepoTag('', 'x'), undefined);
  t.is(joinRepoTag('app', 'sha256:abc'), 'app@sha256:abc');
  t.is(joinRepoTag('docker.io/library/busybox', 'latest'), 'busybox:latest');
  t.is(joinRepoTag('docker.io/my/app', '1'), 'my/app:1');
});
