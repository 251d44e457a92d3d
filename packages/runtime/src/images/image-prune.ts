/**
 * @module images/image-prune
 * `docker image prune` (POST /images/prune), moby daemon/images/image_prune.go: with
 * `dangling=true` (the default) only untagged images, otherwise every image; in both cases only
 * images no container uses and no other image builds on (a parent), matching `until`/`label`.
 * Each one goes through the normal `rmi` path (so snapshots and blobs are reclaimed the same way);
 * one that became used or tagged meanwhile is skipped. spaceReclaimed sums the removed images'
 * sizes.
 */
import type { ImageDeleteItem, ImageRecord } from './image-types.js';
import { pruneMatcher, type PruneFilters } from '../containers/prune-filter.js';

export interface ImagePruneOptions extends PruneFilters {
  /** Only untagged images (default true). */
  dangling?: boolean;
}

export interface ImagePruneDeps {
  list(filter?: { all?: boolean }): Promise<ImageRecord[]>;
  remove(refOrId: string, opts?: { force?: boolean; noPrune?: boolean }): Promise<ImageDeleteItem[]>;
  /** Is the image used by a container (any state)? */
  inUse(imageId: string): Promise<boolean>;
}

export async function pruneImages(deps: ImagePruneDeps, opts: ImagePruneOptions = {}): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }> {
  const match = pruneMatcher(opts);
  const danglingOnly = opts.dangling ?? true;
  const all = await deps.list({ all: true });
  const parents = new Set(all.map((i) => i.parent).filter(Boolean));
  const deleted: ImageDeleteItem[] = [];
  let spaceReclaimed = 0;
  for (const img of all) {
    if (danglingOnly && img.repoTags.length > 0) continue;
    if (parents.has(img.id) || !match(img.created, img.labels ?? {}) || (await deps.inUse(img.id))) continue;
    try {
      const items = danglingOnly ? await deps.remove(img.id) : await deps.remove(img.id, { force: true });
      deleted.push(...items);
      if (items.some((i) => 'deleted' in i && i.deleted === img.id)) spaceReclaimed += img.size;
    } catch {
      // used, tagged or removed meanwhile: not prunable any more
    }
  }
  return { deleted, spaceReclaimed };
}
