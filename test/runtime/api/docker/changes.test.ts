import test from 'ava';
import { applyChanges, commitConfigChanges } from '../../../../runtime/api/docker/changes.js';
import { isKind } from '../../../../lib/errors.js';

test('Dockerfile instructions apply to a config', (t) => {
  const cfg = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, [
    'CMD ["/bin/sh", "-c", "echo hi"]',
    'ENTRYPOINT /docker-entrypoint.sh run',
    'ENV A=2 B="two words"',
    'ENV LEGACY some value',
    'EXPOSE 80 53/udp',
    'LABEL version=1.0 "maintainer"=me',
    'USER nobody',
    'WORKDIR /srv',
    'VOLUME ["/data"]',
    'STOPSIGNAL SIGINT',
    'ONBUILD RUN true',
  ]);
  t.deepEqual(cfg, {
    Cmd: ['/bin/sh', '-c', 'echo hi'],
    Entrypoint: ['/bin/sh', '-c', '/docker-entrypoint.sh run'],
    Env: ['PATH=/bin', 'A=2', 'B=two words', 'LEGACY=some value'],
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Labels: { version: '1.0', maintainer: 'me' },
    User: 'nobody',
    WorkingDir: '/srv',
    Volumes: { '/data': {} },
    StopSignal: 'SIGINT',
    OnBuild: ['RUN true'],
  });
});

test('instructions that make no sense as changes are refused', (t) => {
  for (const c of ['FROM busybox', 'RUN true', 'BOGUS x', 'ENV', 'LABEL novalue']) {
    t.true(isKind(t.throws(() => applyChanges({}, [c])), 'Invalid'), c);
  }
});

test('commit changes: only what differs from the container, with merged values', (t) => {
  const container = { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/' };
  t.is(commitConfigChanges(container, undefined, []), undefined);
  t.deepEqual(commitConfigChanges(container, undefined, ['ENV A=1', 'CMD ["top"]']), { Env: ['PATH=/bin', 'A=1'], Cmd: ['top'] });
  t.deepEqual(commitConfigChanges(container, { WorkingDir: '/srv' }, []), { WorkingDir: '/srv' });
});
