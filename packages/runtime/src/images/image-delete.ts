/**
 * @module images/image-delete
 * `docker rmi` with moby's semantics (daemon/images/image_delete.go):
 * - by reference: untag it; if the image keeps other references that is all. Untagging the last
 *   reference of an image a container uses needs `force`.
 * - by id (prefix): untag everything and delete, unless the image has several references (soft
 *   conflict, `force` overrides) or a container uses it (stopped: soft; running: hard, never forced).
 * Deleting an image reclaims its snapshots (unless another image or a container's rootfs still
 * builds on them) and its blobs (unless another image references them). The whole operation runs
 * under the service mutex.
 */
import { errors } from '../errors/engine-error.js';
import { releaseBlobs, releaseSnapshots, type ImageContext } from './image-context.js';
import type { Digest, ImageDeleteItem, ImageReference } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { parseReference, repositoryName, shortId } from './reference.js';

const CONFLICT_DEPENDENT_CHILD = 1;
const CONFLICT_RUNNING_CONTAINER = 2;
const CONFLICT_ACTIVE_REFERENCE = 4;
const CONFLICT_STOPPED_CONTAINER = 8;
const CONFLICT_HARD = CONFLICT_DEPENDENT_CHILD | CONFLICT_RUNNING_CONTAINER;
const CONFLICT_SOFT = CONFLICT_ACTIVE_REFERENCE | CONFLICT_STOPPED_CONTAINER;

interface DeleteConflict {
  hard: boolean;
  used: boolean;
  message: string;
}

function conflictError(id: Digest, c: DeleteConflict): Error {
  return errors.conflict(`conflict: unable to delete ${shortId(id)} (${c.hard ? 'cannot be forced' : 'must be forced'}) - ${c.message}`, { id });
}

/** moby isImageIDPrefix: was the image named by (a prefix of) its id rather than a reference? */
export function isImageIdPrefix(id: string, s: string): boolean {
  return id.startsWith(s) || id.slice(id.indexOf(':') + 1).startsWith(s);
}

/** One tag (plus digests of that same repository) counts as a single reference. */
export function isSingleReference(refs: readonly ImageReference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: ImageReference | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.digest) canonical.add(repositoryName(r));
    else if (!single) single = r;
    else return false;
  }
  single ??= refs[0];
  return canonical.size === 1 && canonical.has(repositoryName(single));
}

async function checkConflict(ctx: ImageContext, img: StoredImage, mask: number): Promise<DeleteConflict | undefined> {
  if (mask & CONFLICT_DEPENDENT_CHILD && ctx.store.list().some((i) => i.parent === img.id)) {
    return { hard: true, used: false, message: 'image has dependent child images' };
  }
  const user = mask & (CONFLICT_RUNNING_CONTAINER | CONFLICT_STOPPED_CONTAINER) ? await ctx.inUse(img.id) : undefined;
  if (mask & CONFLICT_RUNNING_CONTAINER && user?.running) {
    return { hard: true, used: true, message: `image is being used by running container ${shortId(user.containerId)}` };
  }
  if (mask & CONFLICT_ACTIVE_REFERENCE && ctx.store.references(img.id).length > 0) {
    return { hard: false, used: false, message: 'image is referenced in multiple repositories' };
  }
  if (mask & CONFLICT_STOPPED_CONTAINER && user && !user.running) {
    return { hard: false, used: true, message: `image is being used by stopped container ${shortId(user.containerId)}` };
  }
  return undefined;
}

async function untag(ctx: ImageContext, img: StoredImage, ref: ImageReference, records: ImageDeleteItem[]): Promise<void> {
  await ctx.store.deleteReference(ref);
  records.push({ untagged: ref.familiar });
  ctx.events?.('untag', img.id, { ...(img.config.labels ?? {}), name: img.id });
}

/** Call under the service mutex with the already resolved image. */
export async function deleteImage(
  ctx: ImageContext, img: StoredImage, refOrId: string, opts: { force?: boolean; noPrune?: boolean },
): Promise<ImageDeleteItem[]> {
  const force = opts.force === true;
  const records: ImageDeleteItem[] = [];
  let refs = ctx.store.references(img.id);
  let removedRepositoryRef = false;

  if (!isImageIdPrefix(img.id, refOrId)) {
    if (!force && isSingleReference(refs)) {
      const user = await ctx.inUse(img.id);
      if (user) {
        throw errors.conflict(
          `conflict: unable to remove repository reference ${JSON.stringify(refOrId)} (must force) - container ${shortId(user.containerId)} is using its referenced image ${shortId(img.id)}`,
          { id: img.id },
        );
      }
    }
    const parsed = parseReference(refOrId);
    await untag(ctx, img, parsed, records);
    refs = ctx.store.references(img.id);
    // Digest references are only kept while a tag of the same repository remains.
    if (!parsed.digest && !refs.some((r) => !r.digest && repositoryName(r) === repositoryName(parsed))) {
      const remaining: ImageReference[] = [];
      for (const r of refs) {
        if (r.digest && repositoryName(r) === repositoryName(parsed)) await untag(ctx, img, r, records);
        else remaining.push(r);
      }
      refs = remaining;
    }
    if (refs.length > 0) return records;
    removedRepositoryRef = true;
  } else if (isSingleReference(refs)) {
    const conflict = await checkConflict(ctx, img, CONFLICT_HARD | (force ? 0 : CONFLICT_SOFT & ~CONFLICT_ACTIVE_REFERENCE));
    if (conflict) throw conflictError(img.id, conflict);
    for (const r of refs) await untag(ctx, img, r, records);
  }

  const conflict = await checkConflict(ctx, img, CONFLICT_HARD | (force ? 0 : CONFLICT_SOFT));
  if (conflict) {
    // After untagging by name the image simply stays (dangling) when something still uses it.
    const dangling = ctx.store.references(img.id).length === 0;
    if (removedRepositoryRef && (!dangling || conflict.used)) return records;
    throw conflictError(img.id, conflict);
  }
  for (const r of ctx.store.references(img.id)) await untag(ctx, img, r, records);
  await removeRecord(ctx, img, records);
  if (!opts.noPrune) await pruneParents(ctx, img.parent, records);
  return records;
}

async function removeRecord(ctx: ImageContext, img: StoredImage, records: ImageDeleteItem[]): Promise<void> {
  await ctx.store.delete(img.id);
  ctx.events?.('delete', img.id, { ...(img.config.labels ?? {}), name: img.id });
  records.push({ deleted: img.id });
  for (const chainId of await releaseSnapshots(ctx, img.diffIds)) records.push({ deleted: chainId });
  await releaseBlobs(ctx, [img.id, img.manifest?.digest, ...img.layers.map((l) => l.digest)]);
}

/**
 * moby's quiet recursive delete: a build's untagged intermediate parents go with the image, up
 * the chain, stopping at the first one that is tagged, has another child or a container user.
 */
async function pruneParents(ctx: ImageContext, parentId: string, records: ImageDeleteItem[]): Promise<void> {
  for (let id = parentId; id; ) {
    const parent = ctx.store.get(id as Digest);
    if (!parent || (await checkConflict(ctx, parent, CONFLICT_HARD | CONFLICT_SOFT))) return;
    await removeRecord(ctx, parent, records);
    id = parent.parent;
  }
}
