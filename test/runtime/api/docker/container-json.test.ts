import test from 'ava';
import { containerInspectJson, containerSummaryJson, statusText } from '../../../../runtime/api/docker/container-json.js';
import type { Container, ContainerState } from '../../../../runtime/containers/types.js';

const NOW = Date.parse('2024-01-01T00:10:00Z');

function state(over: Partial<ContainerState>): ContainerState {
  return {
    status: 'created', pid: 0, exitCode: 0, oomKilled: false, error: '', startedAt: '0001-01-01T00:00:00Z',
    finishedAt: '0001-01-01T00:00:00Z', restartCount: 0, stoppedByUser: false, ...over,
  };
}

const container: Container = {
  record: {
    id: 'a'.repeat(64), name: 'w', created: '2024-01-01T00:00:00Z', imageId: 'sha256:img', imageRef: 'busybox', snapshotParent: null, runtime: 'crun',
    config: { Hostname: 'aaaaaaaaaaaa', Tty: false, OpenStdin: false, StdinOnce: false, Image: 'busybox', Entrypoint: null, Cmd: ['sh', '-c', 'echo hi'], Env: ['PATH=/bin'] },
    options: { image: 'busybox', mounts: [{ type: 'volume', source: 'data', target: '/data', readOnly: false }], restartPolicy: { name: 'always', maximumRetryCount: 0 } },
  },
  state: state({ status: 'running', pid: 42, startedAt: '2024-01-01T00:09:55Z' }),
};

test('status text as docker ps prints it', (t) => {
  t.is(statusText(state({ status: 'running', startedAt: '2024-01-01T00:09:55Z' }), NOW), 'Up 5 seconds');
  t.is(statusText(state({ status: 'paused', startedAt: '2024-01-01T00:08:00Z' }), NOW), 'Up 2 minutes (Paused)');
  t.is(statusText(state({ status: 'exited', exitCode: 3, finishedAt: '2024-01-01T00:08:00Z' }), NOW), 'Exited (3) 2 minutes ago');
  t.is(statusText(state({ status: 'created' }), NOW), 'Created');
  t.is(statusText(state({ status: 'dead' }), NOW), 'Dead');
});

test('ps JSON', (t) => {
  t.like(containerSummaryJson(container, NOW), {
    Id: 'a'.repeat(64), Names: ['/w'], Image: 'busybox', ImageID: 'sha256:img', Command: 'sh -c echo hi', Created: 1704067200,
    State: 'running', Status: 'Up 5 seconds', Labels: {}, NetworkSettings: { Networks: {} },
  });
});

test('inspect JSON', (t) => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- inspect JSON is untyped by design
  const j = containerInspectJson(container) as Record<string, any>;
  t.is(j.Name, '/w');
  t.is(j.Path, 'sh');
  t.deepEqual(j.Args, ['-c', 'echo hi']);
  t.like(j.State, { Status: 'running', Running: true, Paused: false, Pid: 42, ExitCode: 0, StartedAt: '2024-01-01T00:09:55Z' });
  t.like(j.HostConfig, { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 }, Binds: ['data:/data'], NetworkMode: 'default', AutoRemove: false });
  t.like(j.Mounts[0], { Type: 'volume', Name: 'data', Destination: '/data', RW: true });
  t.like(j.Config, { Tty: false, Cmd: ['sh', '-c', 'echo hi'], Image: 'busybox', Hostname: 'aaaaaaaaaaaa' });
  t.deepEqual(j.NetworkSettings.Networks, {});
});
