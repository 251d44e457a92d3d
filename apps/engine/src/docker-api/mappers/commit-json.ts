/**
 * @module docker-api/mappers/commit-json
 * `docker diff` / `docker commit` wire shapes: moby container.FilesystemChange (`{Path, Kind}`,
 * Kind 0 = modified, 1 = added, 2 = deleted) and the commit body (a container.Config whose set
 * fields override the container's) → the domain's ImageRunConfig.
 */
import type { ContainerChange, ImageRunConfig } from '@berth/runtime';
import type { ContainerCreateBody } from '../schema/container-create.js';

/** moby writes a nil slice as `null` when nothing changed. */
export function toDockerChanges(changes: readonly ContainerChange[]): { Path: string; Kind: number }[] | null {
  return changes.length ? changes.map((c) => ({ Path: c.path, Kind: c.kind })) : null;
}

const slice = (v: string | string[] | null | undefined): string[] | undefined =>
  v === null || v === undefined ? undefined : typeof v === 'string' ? [v] : v;

export function fromCommitBody(b: Partial<ContainerCreateBody> | null | undefined): ImageRunConfig {
  if (!b) return {};
  const c: ImageRunConfig = {};
  if (b.User) c.user = b.User;
  if (b.Env?.length) c.env = b.Env;
  const cmd = slice(b.Cmd);
  if (cmd?.length) c.cmd = cmd;
  const ep = slice(b.Entrypoint);
  if (ep?.length) c.entrypoint = ep;
  if (b.WorkingDir) c.workingDir = b.WorkingDir;
  if (b.Labels && Object.keys(b.Labels).length) c.labels = b.Labels;
  if (b.StopSignal) c.stopSignal = b.StopSignal;
  const keys = (o: Record<string, unknown> | null | undefined) =>
    o && Object.keys(o).length ? Object.fromEntries(Object.keys(o).map((k) => [k, {}])) as Record<string, Record<string, never>> : undefined;
  const ports = keys(b.ExposedPorts);
  if (ports) c.exposedPorts = ports;
  const vols = keys(b.Volumes);
  if (vols) c.volumes = vols;
  return c;
}
