/**
 * @module system/disk-usage
 * `docker system df` (GET /system/df): what images, containers and volumes take on disk.
 * Sizes are allocated bytes (st_blocks × 512, hardlinks once), like `du`:
 *  - layers: each committed snapshot (named by its chain id) once → LayersSize; an image's
 *    SharedSize is the part of its chain that another image also uses;
 *  - containers: SizeRw is the writable layer (the snapshot's upper dir), SizeRootFs adds the image;
 *  - volumes: the data dir, with RefCount = containers that mount it.
 * The walk never follows symlinks (volumes and layers hold untrusted trees).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../containers/container-types.js';
import type { Digest, ImageRecord } from '../images/image-types.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { VolumeRecord, VolumeService } from '../volumes/volume-types.js';

export interface ImageUsage {
  image: ImageRecord;
  /** Containers created from this image. */
  containers: number;
  sharedSize: number;
}

export interface ContainerUsage {
  container: ContainerRecord;
  sizeRw: number;
  sizeRootFs: number;
}

export interface VolumeUsage {
  volume: VolumeRecord;
  size: number;
  refCount: number;
}

export interface DiskUsage {
  layersSize: number;
  images: ImageUsage[];
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
}

export interface DiskUsageDeps {
  containers: () => ContainerRecord[];
  images: { list(filter?: { all?: boolean }): Promise<ImageRecord[]> };
  snapshotter: Pick<Snapshotter, 'usage' | 'walk'>;
  volumes?: Pick<VolumeService, 'list'>;
}

/** containerd/OCI chain ids of an image's layers, bottom first. */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    const prev = out.at(-1);
    out.push(prev ? `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}` : d);
  }
  return out;
}

export async function computeDiskUsage(deps: DiskUsageDeps): Promise<DiskUsage> {
  const recs = deps.containers();
  const images = await deps.images.list({ all: true });
  const layerSize = new Map<string, number>();
  for await (const s of deps.snapshotter.walk()) {
    if (s.kind !== 'committed') continue;
    layerSize.set(s.key, (await deps.snapshotter.usage(s.key).catch(() => ({ bytes: 0 }))).bytes);
  }
  const users = new Map<string, number>();
  for (const img of images) for (const c of new Set(chainIds(img.diffIds))) users.set(c, (users.get(c) ?? 0) + 1);
  const imageUsage: ImageUsage[] = images.map((image) => ({
    image,
    containers: recs.filter((r) => r.image === image.id).length,
    sharedSize: chainIds(image.diffIds).filter((c) => (users.get(c) ?? 0) > 1).reduce((a, c) => a + (layerSize.get(c) ?? 0), 0),
  }));
  const imageSize = new Map(images.map((i) => [i.id as string, i.size]));
  const containers: ContainerUsage[] = [];
  for (const container of recs) {
    const sizeRw = (await deps.snapshotter.usage(container.snapshotKey).catch(() => ({ bytes: 0 }))).bytes;
    containers.push({ container, sizeRw, sizeRootFs: sizeRw + (imageSize.get(container.image) ?? 0) });
  }
  const volumes: VolumeUsage[] = [];
  for (const volume of (await deps.volumes?.list().catch(() => [])) ?? []) {
    const refCount = recs.filter((r) => r.mounts?.some((m) => m.type === 'volume' && m.name === volume.name)).length;
    volumes.push({ volume, size: (await du(volume.mountpoint)).bytes, refCount });
  }
  return { layersSize: [...layerSize.values()].reduce((a, b) => a + b, 0), images: imageUsage, containers, volumes };
}

/** Allocated bytes and inodes under `dir`, never following symlinks; hardlinked inodes once. */
export async function du(dir: string): Promise<{ bytes: number; inodes: number }> {
  const seen = new Set<string>();
  let bytes = 0;
  let inodes = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p).catch(() => null);
    if (!st) return;
    if (st.nlink > 1 && !st.isDirectory()) {
      const k = `${st.dev}:${st.ino}`;
      if (seen.has(k)) return;
      seen.add(k);
    }
    bytes += st.blocks * 512;
    inodes++;
    if (!st.isDirectory()) return;
    const names = await fs.readdir(p).catch(() => [] as string[]);
    for (const n of names) await walk(path.join(p, n));
  };
  await walk(dir);
  return { bytes, inodes };
}
