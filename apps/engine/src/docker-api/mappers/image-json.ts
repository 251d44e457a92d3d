/**
 * @module docker-api/mappers/image-json
 * Domain images → Docker wire JSON (moby api/types/image: Summary for `GET /images/json`,
 * InspectResponse for `GET /images/{name}/json`, HistoryResponseItem, DeleteResponse).
 * Fields Docker dropped in later API versions (VirtualSize < 1.44, Container/ContainerConfig < 1.45)
 * are emitted only to clients that negotiated an older version, as dockerd does.
 */
import type { ImageDeleteItem, ImageHistoryEntry, ImageRecord, ImageRunConfig } from '@berth/runtime';
import { versionLessThan } from '../http/version.js';
import { ZERO_TIME } from './container-state.js';

const nullIfEmpty = <T>(xs: readonly T[] | undefined) => (xs && xs.length ? xs : null);
const objOrNull = (o: Record<string, unknown> | undefined) => (o && Object.keys(o).length ? o : null);

/** The image's runnable config in Docker's container.Config shape (PascalCase). */
export function toDockerImageConfig(c: ImageRunConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Hostname: '',
    Domainname: '',
    User: c.user ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
  };
  if (c.exposedPorts && Object.keys(c.exposedPorts).length) out.ExposedPorts = c.exposedPorts;
  Object.assign(out, {
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: nullIfEmpty(c.env),
    Cmd: c.cmd ?? null,
  });
  if (c.healthcheck) {
    out.Healthcheck = {
      Test: c.healthcheck.test, Interval: c.healthcheck.interval, Timeout: c.healthcheck.timeout,
      StartPeriod: c.healthcheck.startPeriod, Retries: c.healthcheck.retries,
    };
  }
  Object.assign(out, {
    Image: '',
    Volumes: objOrNull(c.volumes),
    WorkingDir: c.workingDir ?? '',
    Entrypoint: c.entrypoint ?? null,
    OnBuild: nullIfEmpty(c.onBuild),
    Labels: objOrNull(c.labels),
  });
  if (c.stopSignal) out.StopSignal = c.stopSignal;
  if (c.shell && c.shell.length) out.Shell = c.shell;
  return out;
}

const unix = (iso: string): number => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

/** One entry of GET /images/json */
export function toDockerImageSummary(img: ImageRecord, apiVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Containers: -1,
    Created: unix(img.created),
    Id: img.id,
    Labels: objOrNull(img.labels ?? img.config.labels),
    ParentId: img.parent ?? '',
    RepoDigests: img.repoDigests,
    RepoTags: img.repoTags,
    SharedSize: -1,
    Size: img.size,
  };
  if (versionLessThan(apiVersion, '1.44')) out.VirtualSize = img.size;
  return out;
}

/** GET /images/{name}/json */
export function toDockerImageInspect(img: ImageRecord, apiVersion: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: img.parent ?? '',
    Comment: img.comment ?? '',
    Created: img.created,
  };
  if (versionLessThan(apiVersion, '1.45')) {
    out.Container = img.container ?? '';
    out.ContainerConfig = toDockerImageConfig({});
  } else if (img.container) {
    // Dropped from 1.45 on, but `docker commit` users still read `.Container` (the CLI keeps the field).
    out.Container = img.container;
  }
  Object.assign(out, {
    DockerVersion: '',
    Author: img.author ?? '',
    Config: toDockerImageConfig(img.config),
    Architecture: img.architecture,
    Os: img.os,
    Size: img.size,
  });
  if (versionLessThan(apiVersion, '1.44')) out.VirtualSize = img.size;
  Object.assign(out, {
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: img.diffIds },
    Metadata: { LastTagTime: ZERO_TIME },
  });
  return out;
}

/** One entry of GET /images/{name}/history */
export function toDockerHistoryItem(h: ImageHistoryEntry): Record<string, unknown> {
  return {
    Id: h.id,
    Created: h.created,
    CreatedBy: h.createdBy,
    Tags: h.tags.length ? h.tags : null,
    Size: h.size,
    Comment: h.comment,
  };
}

/** One entry of DELETE /images/{name} */
export function toDockerDeleteItem(item: ImageDeleteItem): Record<string, string> {
  return 'untagged' in item ? { Untagged: item.untagged } : { Deleted: item.deleted };
}
