import test from 'ava';
import { imageHistoryJson, imageInspectJson, imageSummaryJson } from '../../../../runtime/api/docker/image-json.js';
import type { Image } from '../../../../runtime/images/types.js';

const layer = (n: number) => ({ descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${n}`, size: n * 100 }, diffId: `sha256:d${n}` });

const img: Image = {
  id: 'sha256:abc', repoTags: ['app:1'], manifestDigest: 'sha256:m', size: 300, created: '2024-01-01T00:00:00Z',
  layers: [layer(1), layer(2)],
  config: {
    architecture: 'amd64', os: 'linux', author: 'me',
    config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: ['sha256:d1', 'sha256:d2'] },
    history: [
      { created: '2023-01-01T00:00:00Z', created_by: 'ADD rootfs' },
      { created: '2023-01-02T00:00:00Z', created_by: 'CMD ["sh"]', empty_layer: true },
      { created: '2024-01-01T00:00:00Z', created_by: 'sh', comment: 'committed' },
    ],
  },
};

test('history is newest first, with layer sizes and <missing> below the top', (t) => {
  t.deepEqual(imageHistoryJson(img), [
    { Id: 'sha256:abc', Created: 1704067200, CreatedBy: 'sh', Size: 200, Comment: 'committed', Tags: ['app:1'] },
    { Id: '<missing>', Created: 1672617600, CreatedBy: 'CMD ["sh"]', Size: 0, Comment: '', Tags: null },
    { Id: '<missing>', Created: 1672531200, CreatedBy: 'ADD rootfs', Size: 100, Comment: '', Tags: null },
  ]);
});

test('history without config history: one entry per layer', (t) => {
  const rows = imageHistoryJson({ ...img, config: { ...img.config, history: undefined } }) as { Size: number }[];
  t.deepEqual(rows.map((r) => r.Size), [200, 100]);
});

test('inspect and summary carry what the docker CLI prints', (t) => {
  const i = imageInspectJson(img);
  t.is(i.Id, 'sha256:abc');
  t.deepEqual(i.RepoTags, ['app:1']);
  t.deepEqual(i.RepoDigests, []);
  t.deepEqual(i.RootFS, { Type: 'layers', Layers: ['sha256:d1', 'sha256:d2'] });
  t.is(i.Comment, 'committed');
  t.deepEqual((i.Config as { Cmd: string[] }).Cmd, ['sh']);
  const s = imageSummaryJson(img);
  t.is(s.Created, 1704067200);
  t.is(s.Size, 300);
});

test('inspect: Parent, and Container/ContainerConfig for API ≤ 1.44 clients only (docker-compose 1.29 reads ContainerConfig.Volumes)', (t) => {
  const committed: Image = {
    ...img,
    config: { ...img.config, parent: 'sha256:base', container: 'c0ffee', container_config: { Image: 'busybox', Cmd: ['touch', '/x'], Volumes: { '/data': {} } } },
  };
  const old = imageInspectJson(committed, '1.41');
  t.is(old.Parent, 'sha256:base');
  t.is(old.Container, 'c0ffee');
  t.like(old.ContainerConfig, { Image: 'busybox', Cmd: ['touch', '/x'], Volumes: { '/data': {} } });
  t.like(imageInspectJson(img, '1.44'), { Parent: '', Container: '', ContainerConfig: { Image: '', Volumes: null, Cmd: null } }, 'an image not committed here: an empty config');
  const current = imageInspectJson(committed, '1.45');
  t.false('ContainerConfig' in current || 'Container' in current);
  t.is((imageSummaryJson(committed) as { ParentId: string }).ParentId, 'sha256:base');
});
