/**
 * @module images/image-queries
 * Read-side logic of the image service as pure functions over store records: the `docker images`
 * filters (moby daemon/images/images.go) and `docker history` (image_history.go).
 */
import { errors } from '../errors/engine-error.js';
import type { ImageHistoryEntry, ImageRecord, ImageReference } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { familiarMatch } from './reference.js';

export interface ListCandidate {
  image: StoredImage;
  refs: ImageReference[];
}

export interface ResolvedListFilter {
  references?: string[];
  labels?: string[];
  dangling?: boolean;
  /** `docker images -a`: also untagged images other images build on (a build's intermediate steps). */
  all?: boolean;
  /** `created` of the `before` / `since` images. */
  before?: string;
  since?: string;
}

/** `key` or `key=value` label filters; every one must match (filters.MatchKVList). */
export function matchLabels(labels: Record<string, string> | undefined, filters: readonly string[]): boolean {
  return filters.every((f) => {
    const i = f.indexOf('=');
    const key = i < 0 ? f : f.slice(0, i);
    if (!labels || !Object.hasOwn(labels, key)) return false;
    return i < 0 || labels[key] === f.slice(i + 1);
  });
}

/**
 * Applies Docker's image list filters. With a `reference` filter only the matching tags/digests are
 * reported and untagged images are dropped; `dangling=true` keeps untagged images only.
 * Result is sorted newest first.
 */
export function filterImages(
  candidates: readonly ListCandidate[],
  filter: ResolvedListFilter,
  toRecord: (img: StoredImage) => ImageRecord,
): ImageRecord[] {
  // Validate patterns once up front so a bad pattern fails even with no images.
  for (const p of filter.references ?? []) familiarMatch(p, { domain: 'docker.io', path: 'library/x', familiar: 'x' });
  const beforeT = filter.before !== undefined ? Date.parse(filter.before) : undefined;
  const sinceT = filter.since !== undefined ? Date.parse(filter.since) : undefined;
  const parents = new Set(candidates.map((c) => c.image.parent).filter(Boolean));
  const out: ImageRecord[] = [];
  for (const { image, refs } of candidates) {
    const created = Date.parse(image.created);
    if (beforeT !== undefined && !(created < beforeT)) continue;
    if (sinceT !== undefined && !(created > sinceT)) continue;
    if (filter.labels?.length && !matchLabels(image.config.labels, filter.labels)) continue;
    const patterns = filter.references ?? [];
    const shown = patterns.length > 0 ? refs.filter((r) => patterns.some((p) => familiarMatch(p, r))) : refs;
    const repoTags = shown.filter((r) => r.tag !== undefined).map((r) => r.familiar);
    const repoDigests = shown.filter((r) => r.digest !== undefined).map((r) => r.familiar);
    if (repoTags.length === 0 && repoDigests.length === 0) {
      // moby hides untagged images that have children unless `all` (they are not dangling: in use).
      if (!filter.all && parents.has(image.id)) continue;
      if (filter.dangling === false) continue;
      if (patterns.length > 0) continue;
    } else if (filter.dangling === true && repoTags.length > 0) continue;
    out.push({ ...toRecord(image), repoTags, repoDigests });
  }
  return out.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function unixSeconds(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : 0;
}

/**
 * One entry per config history item, newest first. Sizes come from the non-empty layers in order;
 * the top entry carries the image id and its tags, older ones `<missing>` (no parent images here).
 */
export function buildHistory(image: StoredImage, tags: readonly string[]): ImageHistoryEntry[] {
  const entries: ImageHistoryEntry[] = [];
  let layer = 0;
  for (const h of image.history) {
    let size = 0;
    if (!h.emptyLayer) {
      if (layer >= image.diffIds.length) throw errors.internal('too many non-empty layers in History section', undefined);
      size = image.layerSizes[layer] ?? 0;
      layer++;
    }
    entries.unshift({ id: '<missing>', created: unixSeconds(h.created), createdBy: h.createdBy ?? '', tags: [], size, comment: h.comment ?? '' });
  }
  if (entries.length > 0) {
    entries[0].id = image.id;
    entries[0].tags = [...tags];
  }
  return entries;
}
