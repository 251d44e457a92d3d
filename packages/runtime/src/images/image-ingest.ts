/**
 * @module images/image-ingest
 * The half of pull and load that turns verified blobs into a recorded image:
 *   unpackLayer:  prepare(key, parent chain id) → applyLayer(blob) → diff_id must equal the config's
 *                 → under the mutex, commit as the chain id (or reuse an existing one);
 *   recordImage:  under the mutex, write the manifest, put the StoredImage (id = config digest),
 *                 move the tags, add the repo digests.
 * Concurrent operations share work through `Inflight` (one download / one unpack per digest) and
 * protect what they produced with `ctx.holds` until recorded; a failure releases only what no
 * recorded image and no other in-flight operation uses.
 */
import { randomBytes } from 'node:crypto';
import { codeOf, errors } from '../errors/engine-error.js';
import { commitOrReuseLayer, releaseBlobs, releaseSnapshots, type ImageContext } from './image-context.js';
import type { Descriptor, Digest, ImageReference } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { chainIdsOf, type ImageConfigFields } from './oci-image.js';

/** One promise per key while work on it runs; later callers join it. */
export class Inflight {
  private readonly running = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const cur = this.running.get(key) as Promise<T> | undefined;
    if (cur) return cur;
    const p = fn().finally(() => { if (this.running.get(key) === p) this.running.delete(key); });
    this.running.set(key, p);
    return p;
  }

  has(key: string): boolean {
    return this.running.has(key);
  }
}

/** Returns the uncompressed size; the layer `chainIds[i]` exists afterwards. */
export async function unpackLayer(
  ctx: ImageContext, inflight: Inflight, blob: Digest, diffIds: readonly Digest[], i: number, signal?: AbortSignal,
): Promise<number> {
  const chain = chainIdsOf(diffIds);
  const chainId = chain[i]!;
  return inflight.run(`unpack:${chainId}`, async () => {
    if (await ctx.snapshotter.exists(chainId)) return ctx.snapshotter.usage(chainId).then((u) => u.bytes, () => 0);
    const key = `ingest-${randomBytes(8).toString('hex')}`;
    await ctx.snapshotter.prepare(key, i === 0 ? null : chain[i - 1]!);
    try {
      const applied = await ctx.applyLayer(ctx.content.path(blob), await ctx.snapshotter.upperDir(key), { signal });
      if (applied.diffId !== diffIds[i]) {
        throw errors.invalid(`failed to register layer: layer ${blob} has diff_id ${applied.diffId}, the image config says ${diffIds[i]}`);
      }
      await ctx.mutex.run(() => commitOrReuseLayer(ctx, key, chainId));
      return applied.size;
    } catch (err) {
      await ctx.snapshotter.remove(key).catch((e: unknown) => {
        if (codeOf(e) !== 'NOT_FOUND') ctx.warn?.(`image: cannot remove snapshot ${key}`, e);
      });
      throw err;
    }
  });
}

export interface RecordInput {
  owner: symbol;
  configBytes: Buffer;
  config: ImageConfigFields;
  /** Image manifest (what push sends again) and its bytes. */
  manifest: { descriptor: Descriptor; bytes: Buffer };
  layers: Descriptor[];
  layerSizes: number[];
  tags: ImageReference[];
  /** `repo@digest` references to add (pull: the digest the registry knows the image by). */
  digests: ImageReference[];
  event: 'pull' | 'load';
  eventName: string;
}

/** Records the image; returns whether it was new and what tags moved. Runs under the mutex. */
export async function recordImage(ctx: ImageContext, r: RecordInput): Promise<{ id: Digest; created: boolean; retagged: boolean }> {
  return ctx.mutex.run(async () => {
    const configInfo = await ctx.content.writeBytes(r.configBytes);
    const id = configInfo.digest;
    await ctx.content.writeBytes(r.manifest.bytes, r.manifest.descriptor.digest);
    const chain = chainIdsOf(r.config.diffIds);
    let created = false;
    if (!ctx.store.get(id)) {
      for (const c of chain) if (!(await ctx.snapshotter.exists(c))) throw errors.internal(`image: layer ${c} vanished before the image was recorded`, undefined);
      const c = r.config;
      const img: StoredImage = {
        id, created: c.created ?? '', author: c.author ?? '', comment: c.comment ?? '',
        ...(c.container ? { container: c.container } : {}),
        architecture: c.architecture, os: c.os, ...(c.variant ? { variant: c.variant } : {}),
        config: c.config, diffIds: c.diffIds, layerSizes: r.layerSizes, history: c.history,
        chainId: chain.length ? chain[chain.length - 1]! : null, size: r.layerSizes.reduce((a, b) => a + b, 0), parent: '',
        manifest: r.manifest.descriptor, layers: r.layers, recordedAt: (ctx.now?.() ?? new Date()).toISOString(),
      };
      await ctx.store.put(img);
      created = true;
    }
    let retagged = false;
    for (const t of [...r.tags, ...r.digests]) {
      const prev = await ctx.store.addReference(t, id);
      if (prev !== id) retagged = true;
    }
    const labels = r.config.config.labels ?? {};
    // moby names a pull event by the reference (Actor ID = "busybox:latest"), a load event by the image id.
    ctx.events?.(r.event, r.event === 'pull' ? r.eventName : id, { ...labels, name: r.eventName });
    for (const t of r.tags) ctx.events?.('tag', id, { ...labels, name: t.familiar });
    return { id, created, retagged };
  });
}

/** Undo for a failed ingest: blobs and snapshots nothing else uses. */
export async function releaseIngest(ctx: ImageContext, owner: symbol, blobs: readonly Digest[], diffIds: readonly Digest[]): Promise<void> {
  await ctx.mutex.run(async () => {
    if (diffIds.length) await releaseSnapshots(ctx, diffIds, owner);
    await releaseBlobs(ctx, blobs, owner);
  });
}

export function holdAll(ctx: ImageContext, owner: symbol, keys: readonly string[]): void {
  for (const k of keys) ctx.holds.add(k, owner);
}
