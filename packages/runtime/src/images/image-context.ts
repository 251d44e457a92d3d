/**
 * @module images/image-context
 * Shared state of the image service's parts (import, delete, queries): its dependencies, the
 * service-wide mutex that serializes every metadata mutation (tag moves, record/remove, snapshot
 * commit-or-reuse), and *holds*: digests and chain ids an in-flight operation has produced but not
 * yet recorded, which deletion must not reclaim. Also the reclaim helpers themselves.
 */
import type { ContentStore } from '../content/content-store.js';
import { codeOf, errors, isEngineError } from '../errors/engine-error.js';
import type { Snapshotter } from '../snapshots/snapshotter.js';
import type { Mutex } from '../util/mutex.js';
import type { Digest } from './image-types.js';
import type { ImageStore } from './image-store.js';
import { chainIdsOf, type Platform } from './oci-image.js';

export type ApplyLayerFn = (blobPath: string, targetDir: string, opts?: { signal?: AbortSignal }) => Promise<{ diffId: Digest; size: number }>;

/** The container using an image; implementations should report a running container if there is one. */
export type ImageInUseFn = (imageId: string) => Promise<{ containerId: string; running: boolean } | undefined>;

export type ImageEventAction = 'import' | 'tag' | 'untag' | 'delete' | 'pull' | 'push' | 'load' | 'save';
export type ImageEventFn = (action: ImageEventAction, id: string, attrs: Record<string, string>) => void;

export interface LocalImageServiceDeps {
  content: ContentStore;
  snapshotter: Snapshotter;
  store: ImageStore;
  applyLayer: ApplyLayerFn;
  inUse: ImageInUseFn;
  events?: ImageEventFn;
  /** Non-fatal cleanup failures (left for GC). */
  warn?: (message: string, err?: unknown) => void;
  /** Platform recorded for imports without `platform`; default: the host's. */
  platform?: Platform;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface ImageContext extends LocalImageServiceDeps {
  mutex: Mutex;
  holds: Holds;
}

/** Multiset of keys held by in-flight operations, each identified by an owner token. */
export class Holds {
  private readonly owners = new Map<string, Set<symbol>>();

  add(key: string, owner: symbol): void {
    let set = this.owners.get(key);
    if (!set) this.owners.set(key, (set = new Set()));
    set.add(owner);
  }

  releaseAll(owner: symbol): void {
    for (const [key, set] of this.owners) {
      set.delete(owner);
      if (set.size === 0) this.owners.delete(key);
    }
  }

  /** Held by anyone but `self`. */
  heldByOthers(key: string, self?: symbol): boolean {
    const set = this.owners.get(key);
    if (!set) return false;
    return [...set].some((o) => o !== self);
  }
}

/** Services throw EngineError or let an AbortError pass; anything else becomes INTERNAL. */
export function asEngineError(err: unknown, what: string): unknown {
  if (isEngineError(err) || codeOf(err) === 'CANCELLED') return err;
  return errors.internal(`${what}: ${(err as Error)?.message ?? String(err)}`, err);
}

/**
 * Removes the snapshots of `diffIds`' chain, top first, while no recorded image (other than ones
 * already deleted from the store) and no in-flight operation uses them. Stops at the first one that
 * still has children (a container's rootfs). Returns the removed chain ids, top first.
 * Call under the mutex.
 */
export async function releaseSnapshots(ctx: ImageContext, diffIds: readonly Digest[], self?: symbol): Promise<Digest[]> {
  const used = new Set<string>();
  for (const img of ctx.store.list()) for (const c of chainIdsOf(img.diffIds)) used.add(c);
  const removed: Digest[] = [];
  const chain = chainIdsOf(diffIds);
  for (let i = chain.length - 1; i >= 0; i--) {
    const c = chain[i];
    if (used.has(c) || ctx.holds.heldByOthers(c, self)) break;
    try {
      await ctx.snapshotter.remove(c);
      removed.push(c);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'NOT_FOUND') continue;
      if (code !== 'FAILED_PRECONDITION') ctx.warn?.(`image: cannot remove snapshot ${c}`, err);
      break;
    }
  }
  return removed;
}

/** Deletes blobs no recorded image references and no in-flight operation holds. Call under the mutex. */
export async function releaseBlobs(ctx: ImageContext, digests: readonly (Digest | undefined)[], self?: symbol): Promise<void> {
  const used = new Set<string>();
  for (const img of ctx.store.list()) {
    used.add(img.id);
    if (img.manifest) used.add(img.manifest.digest);
    for (const l of img.layers) used.add(l.digest);
  }
  for (const d of new Set(digests)) {
    if (!d || used.has(d) || ctx.holds.heldByOthers(d, self)) continue;
    try {
      await ctx.content.delete(d);
    } catch (err) {
      if (codeOf(err) !== 'NOT_FOUND') ctx.warn?.(`image: cannot delete blob ${d}`, err);
    }
  }
}

/**
 * Turns the freshly applied active snapshot `key` into the committed layer `chainId`, or drops it
 * when that layer already exists (another image, or a concurrent pull, made it first).
 * Returns true when this call created the layer (so a later failure must remove it).
 */
export async function commitOrReuseLayer(ctx: ImageContext, key: string, chainId: Digest): Promise<boolean> {
  if (await ctx.snapshotter.exists(chainId)) {
    await ctx.snapshotter.remove(key);
    return false;
  }
  try {
    await ctx.snapshotter.commit(chainId, key);
    return true;
  } catch (err) {
    if (codeOf(err) !== 'ALREADY_EXISTS') throw err;
    await ctx.snapshotter.remove(key);
    return false;
  }
}
