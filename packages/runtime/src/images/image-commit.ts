/**
 * @module images/image-commit
 * `docker commit`, image side: a container's layer tar (uncompressed, already in OCI whiteout form)
 * becomes one more layer on top of the container's image. Same three steps and rollback as
 * image-import.ts: ingest the blob (its digest is the diffId); prepare a snapshot on the parent's
 * chain id and apply the layer; then under the mutex commit the snapshot as the new chain id, write
 * config + manifest, record the image and move the tag. The parent's chain and the new blob are
 * held for the whole operation so a concurrent `rmi` cannot reclaim them.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { codeOf, errors } from '../errors/engine-error.js';
import { asEngineError, commitOrReuseLayer, releaseBlobs, releaseSnapshots, type ImageContext } from './image-context.js';
import type { Descriptor, Digest, HistoryItem, ImageReference, ImageRunConfig } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { chainIdOf, MEDIA_TYPES, serializeImageConfig, serializeManifest, sha256Digest } from './oci-image.js';
import { repoTagReference } from './reference.js';

export interface CommitLayerInput {
  /** Image id the container was created from. */
  parentId: string;
  /** Uncompressed layer tar; consumed exactly once. */
  layer: Readable;
  config: ImageRunConfig;
  author: string;
  comment: string;
  /** Container id recorded as the image's `container`. */
  container: string;
  createdBy: string;
  repo?: string;
  tag?: string;
  signal?: AbortSignal;
}

interface Staged {
  owner: symbol;
  key?: string;
  parent: StoredImage;
  tagRef?: ImageReference;
  diffId: Digest;
  chainId: Digest;
  layer: Descriptor;
  appliedSize: number;
  created: string;
  history: HistoryItem;
  input: CommitLayerInput;
}

export async function commitLayerTar(ctx: ImageContext, input: CommitLayerInput): Promise<{ id: Digest }> {
  const { signal } = input;
  let tagRef: ImageReference | undefined;
  let parent: StoredImage | undefined;
  try {
    tagRef = input.repo ? repoTagReference(input.repo, input.tag) : undefined;
    parent = ctx.store.get(input.parentId as Digest);
    if (!parent) throw errors.notFound('image', input.parentId);
  } catch (err) {
    // The producer of the layer stream holds open files until the stream is consumed or destroyed.
    input.layer.destroy();
    throw err;
  }
  const created = (ctx.now?.() ?? new Date()).toISOString();
  const owner = Symbol('commit');
  if (parent.chainId) ctx.holds.add(parent.chainId, owner);
  let blob: Digest | undefined;
  let key: string | undefined;
  let staged: Staged | undefined;
  try {
    const info = await ctx.content.ingest(input.layer, { signal });
    blob = info.digest;
    ctx.holds.add(blob, owner);
    key = `commit-${randomBytes(8).toString('hex')}`;
    await ctx.snapshotter.prepare(key, parent.chainId);
    const applied = await ctx.applyLayer(ctx.content.path(blob), await ctx.snapshotter.upperDir(key), { signal });
    const chainId = chainIdOf([...parent.diffIds, applied.diffId])!;
    ctx.holds.add(chainId, owner);
    signal?.throwIfAborted();
    const history: HistoryItem = { created, createdBy: input.createdBy };
    if (input.author) history.author = input.author;
    if (input.comment) history.comment = input.comment;
    staged = {
      owner, key, parent, tagRef, diffId: applied.diffId, chainId, appliedSize: applied.size, created, history, input,
      layer: { mediaType: MEDIA_TYPES.layer, digest: info.digest, size: info.size },
    };
    const s = staged;
    return await ctx.mutex.run(() => record(ctx, s));
  } catch (err) {
    const liveKey = staged ? staged.key : key;
    if (liveKey) {
      await ctx.snapshotter.remove(liveKey).catch((e: unknown) => {
        if (codeOf(e) !== 'NOT_FOUND') ctx.warn?.(`commit: cannot remove snapshot ${liveKey}`, e);
      });
    }
    if (blob) {
      const d = blob;
      await ctx.mutex.run(() => releaseBlobs(ctx, [d], owner));
    }
    input.layer.destroy();
    throw asEngineError(err, 'commit failed');
  } finally {
    ctx.holds.releaseAll(owner);
  }
}

/** Runs under the mutex and undoes its own effects on failure. */
async function record(ctx: ImageContext, s: Staged): Promise<{ id: Digest }> {
  const { parent, input } = s;
  const diffIds = [...parent.diffIds, s.diffId];
  let committedNew = false;
  let id: Digest | undefined;
  let manifestDigest: Digest | undefined;
  let recorded = false;
  try {
    committedNew = await commitOrReuseLayer(ctx, s.key!, s.chainId);
    s.key = undefined;
    const layerSize = await ctx.snapshotter.usage(s.chainId).then((u) => u.bytes, () => s.appliedSize);
    const history = [...parent.history, s.history];
    const configBytes = serializeImageConfig({
      created: s.created, author: input.author, comment: input.comment, container: input.container,
      architecture: parent.architecture, os: parent.os, variant: parent.variant, config: input.config, diffIds, history,
    });
    id = sha256Digest(configBytes);
    const configInfo = await ctx.content.writeBytes(configBytes, id);
    const configDesc: Descriptor = { mediaType: MEDIA_TYPES.config, digest: configInfo.digest, size: configInfo.size };
    const layers = [...parent.layers, s.layer];
    const manifestInfo = await ctx.content.writeBytes(serializeManifest(configDesc, layers));
    manifestDigest = manifestInfo.digest;
    if (!ctx.store.get(id)) {
      await ctx.store.put({
        id, created: s.created, author: input.author, comment: input.comment, container: input.container,
        architecture: parent.architecture, os: parent.os, ...(parent.variant ? { variant: parent.variant } : {}),
        config: input.config, diffIds, layerSizes: [...parent.layerSizes, layerSize], history, chainId: s.chainId,
        size: parent.size + layerSize, parent: parent.id,
        manifest: { mediaType: MEDIA_TYPES.manifest, digest: manifestInfo.digest, size: manifestInfo.size },
        layers, recordedAt: (ctx.now?.() ?? new Date()).toISOString(),
      });
      recorded = true;
    }
    if (s.tagRef) await ctx.store.addReference(s.tagRef, id);
    if (s.tagRef) ctx.events?.('tag', id, { ...(input.config.labels ?? {}), name: s.tagRef.familiar });
    return { id };
  } catch (err) {
    if (recorded && id) await ctx.store.delete(id).catch((e: unknown) => ctx.warn?.(`commit: cannot drop record ${id}`, e));
    if (committedNew) await releaseSnapshots(ctx, diffIds, s.owner);
    await releaseBlobs(ctx, [id, manifestDigest], s.owner);
    throw err;
  }
}
