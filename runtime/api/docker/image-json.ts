/** tspaas `Image` → Docker's image list, inspect and history JSON. */
import type { ContainerConfig, HistoryEntry, Image } from '../../images/types.js';
import { unixSeconds, ZERO_TIME } from './time.js';
import { compareVersions } from '../http/version.js';
import type { ContainerConfig as DockerContainerConfig, HistoryResponseItem, ImageInspect, ImageSummary } from './types.js';

/** One entry of `GET /images/json`. */
export function imageSummaryJson(img: Image): ImageSummary {
  return {
    Id: img.id,
    ParentId: img.config.parent ?? '',
    RepoTags: img.repoTags,
    RepoDigests: [],
    Created: unixSeconds(img.created),
    Size: img.size,
    SharedSize: -1,
    Labels: img.config.config.Labels ?? {},
    Containers: -1,
  };
}

/**
 * `GET /images/{name}/json`. Clients of API ≤ 1.44 also get `Container` and
 * `ContainerConfig` (dockerd dropped them in 1.45; docker-compose 1.29 reads
 * `ContainerConfig.Volumes` when it recreates a container): what the image
 * was committed from, or an empty config for an image that was not.
 */
export function imageInspectJson(img: Image, apiVersion = '1.45'): ImageInspect {
  const legacy = compareVersions(apiVersion, '1.45') < 0
    ? { Container: img.config.container ?? '', ContainerConfig: imageConfigJson(img.config.container_config ?? {}) }
    : {};
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: [],
    Parent: img.config.parent ?? '',
    Comment: lastComment(img),
    Created: img.created,
    ...legacy,
    DockerVersion: '',
    Author: img.config.author ?? '',
    Config: imageConfigJson(img.config.config),
    Architecture: img.config.architecture,
    Os: img.config.os,
    Size: img.size,
    GraphDriver: { Name: 'overlay', Data: null },
    RootFS: { Type: 'layers', Layers: img.config.rootfs.diff_ids },
    Metadata: { LastTagTime: ZERO_TIME },
  };
}

/** An image's runnable config in the shape of Docker's container `Config`. */
export function imageConfigJson(cfg: ContainerConfig & { Image?: string; Hostname?: string }): DockerContainerConfig {
  return {
    Hostname: cfg.Hostname ?? '',
    Domainname: '',
    User: cfg.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ExposedPorts: cfg.ExposedPorts ?? null,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    Image: cfg.Image ?? '',
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? null,
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck } : {}),
    ...(cfg.Shell ? { Shell: cfg.Shell } : {}),
  };
}

/**
 * `GET /images/{name}/history`: the config's history, newest first. Entries
 * that made a layer get that layer's size (empty_layer ones 0); the newest
 * entry carries the image ID and tags, lower ones "<missing>" as in Docker.
 * Without a history, one entry per layer.
 */
export function imageHistoryJson(img: Image): HistoryResponseItem[] {
  const entries: HistoryEntry[] = img.config.history?.length ? img.config.history : img.layers.map(() => ({}));
  let layer = 0;
  const rows = entries.map((h) => ({
    Created: h.created ? unixSeconds(h.created) : 0,
    CreatedBy: h.created_by ?? '',
    Size: h.empty_layer ? 0 : img.layers[layer++]?.descriptor.size ?? 0,
    Comment: h.comment ?? '',
  }));
  return rows.reverse().map((r, i) => ({
    Id: i === 0 ? img.id : '<missing>',
    ...r,
    Tags: i === 0 && img.repoTags.length ? img.repoTags : null,
  }));
}

function lastComment(img: Image): string {
  const h = img.config.history;
  return h?.length ? h[h.length - 1]!.comment ?? '' : '';
}
