/**
 * @module build/image-writer
 * Records one build step as an image: the parent's layers (none for `FROM scratch`), optionally
 * one new layer tar on top, the step's config, and the parent's history plus one entry (an
 * `emptyLayer` entry for metadata-only steps, as Docker writes). Same staging and rollback as
 * images/image-commit.ts (ingest → prepare + applyLayer → under the image mutex commit-or-reuse
 * the snapshot, write config + manifest, record), generalized to "no parent" and "no layer",
 * which `docker commit` never needs.
 *
 * It needs the image service's own ImageContext (its mutex and holds), so a concurrent `rmi` sees
 * the build's in-flight blobs and snapshots. LocalImageService keeps that context private; see
 * `imageContextOf`, the one workaround of the builder (reported to the lead).
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { codeOf } from '../errors/engine-error.js';
import { asEngineError, commitOrReuseLayer, releaseBlobs, releaseSnapshots, type ImageContext } from '../images/image-context.js';
import type { Descriptor, Digest, HistoryItem, ImageRunConfig } from '../images/image-types.js';
import type { StoredImage } from '../images/image-store.js';
import type { LocalImageService } from '../images/local-image-service.js';
import { chainIdOf, hostPlatform, MEDIA_TYPES, serializeImageConfig, serializeManifest, sha256Digest } from '../images/oci-image.js';

/** The image service's context (private field `ctx`): shared mutex + holds. */
export function imageContextOf(images: LocalImageService): ImageContext {
  const ctx = (images as unknown as { ctx?: ImageContext }).ctx;
  if (!ctx?.mutex || !ctx.holds || !ctx.store) throw new Error('builder: the image service exposes no context');
  return ctx;
}

export interface WriteStepInput {
  parent: StoredImage | null;
  layer?: Readable;
  config: ImageRunConfig;
  createdBy: string;
  /** Intermediate container a RUN step ran in. */
  container?: string;
  /** The stage's MAINTAINER (Docker does not inherit the base image's author). */
  author?: string;
  signal?: AbortSignal;
}

export async function writeStepImage(ctx: ImageContext, input: WriteStepInput): Promise<StoredImage> {
  const { parent, signal } = input;
  const owner = Symbol('build');
  const created = (ctx.now?.() ?? new Date()).toISOString();
  if (parent?.chainId) ctx.holds.add(parent.chainId, owner);
  let blob: Digest | undefined;
  let key: string | undefined;
  let layer: { desc: Descriptor; diffId: Digest; chainId: Digest; size: number } | undefined;
  try {
    if (input.layer) {
      const info = await ctx.content.ingest(input.layer, { signal });
      blob = info.digest;
      ctx.holds.add(blob, owner);
      key = `build-${randomBytes(8).toString('hex')}`;
      await ctx.snapshotter.prepare(key, parent?.chainId ?? null);
      const applied = await ctx.applyLayer(ctx.content.path(blob), await ctx.snapshotter.upperDir(key), { signal });
      const chainId = chainIdOf([...(parent?.diffIds ?? []), applied.diffId])!;
      ctx.holds.add(chainId, owner);
      layer = { desc: { mediaType: MEDIA_TYPES.layer, digest: info.digest, size: info.size }, diffId: applied.diffId, chainId, size: applied.size };
    }
    signal?.throwIfAborted();
    const history: HistoryItem = { created, createdBy: input.createdBy, ...(layer ? {} : { emptyLayer: true }) };
    const k = key;
    key = undefined;
    return await ctx.mutex.run(() => record(ctx, { parent, layer, key: k, config: input.config, history, created, container: input.container, owner, author: input.author ?? '' }));
  } catch (err) {
    if (key) {
      const k = key;
      await ctx.snapshotter.remove(k).catch((e: unknown) => { if (codeOf(e) !== 'NOT_FOUND') ctx.warn?.(`build: cannot remove snapshot ${k}`, e); });
    }
    if (blob) {
      const d = blob;
      await ctx.mutex.run(() => releaseBlobs(ctx, [d], owner));
    }
    input.layer?.destroy();
    throw asEngineError(err, 'build step failed');
  } finally {
    ctx.holds.releaseAll(owner);
  }
}

interface Staged {
  parent: StoredImage | null;
  layer?: { desc: Descriptor; diffId: Digest; chainId: Digest; size: number };
  key?: string;
  config: ImageRunConfig;
  history: HistoryItem;
  created: string;
  container?: string;
  owner: symbol;
  author: string;
}

async function record(ctx: ImageContext, s: Staged): Promise<StoredImage> {
  const { parent } = s;
  const platform = parent ?? { ...hostPlatform(), variant: undefined };
  const diffIds = [...(parent?.diffIds ?? []), ...(s.layer ? [s.layer.diffId] : [])];
  let committedNew = false;
  let id: Digest | undefined;
  let manifestDigest: Digest | undefined;
  let recorded = false;
  try {
    let layerSize = 0;
    if (s.layer && s.key) {
      committedNew = await commitOrReuseLayer(ctx, s.key, s.layer.chainId);
      layerSize = await ctx.snapshotter.usage(s.layer.chainId).then((u) => u.bytes, () => s.layer!.size);
    }
    const history = [...(parent?.history ?? []), s.history];
    const configBytes = serializeImageConfig({
      created: s.created, author: s.author, comment: '', ...(s.container ? { container: s.container } : {}),
      architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
      config: s.config, diffIds, history,
    });
    id = sha256Digest(configBytes);
    const configInfo = await ctx.content.writeBytes(configBytes, id);
    const configDesc: Descriptor = { mediaType: MEDIA_TYPES.config, digest: configInfo.digest, size: configInfo.size };
    const layers = [...(parent?.layers ?? []), ...(s.layer ? [s.layer.desc] : [])];
    const manifestInfo = await ctx.content.writeBytes(serializeManifest(configDesc, layers));
    manifestDigest = manifestInfo.digest;
    const existing = ctx.store.get(id);
    if (existing) return existing;
    const img: StoredImage = {
      id, created: s.created, author: s.author, comment: '', ...(s.container ? { container: s.container } : {}),
      architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
      config: s.config, diffIds, layerSizes: [...(parent?.layerSizes ?? []), ...(s.layer ? [layerSize] : [])], history,
      chainId: s.layer ? s.layer.chainId : (parent?.chainId ?? null), size: (parent?.size ?? 0) + layerSize, parent: parent?.id ?? '',
      manifest: { mediaType: MEDIA_TYPES.manifest, digest: manifestInfo.digest, size: manifestInfo.size },
      layers, recordedAt: (ctx.now?.() ?? new Date()).toISOString(),
    };
    await ctx.store.put(img);
    recorded = true;
    return img;
  } catch (err) {
    if (recorded && id) await ctx.store.delete(id).catch((e: unknown) => ctx.warn?.(`build: cannot drop record ${id}`, e));
    if (committedNew) await releaseSnapshots(ctx, diffIds, s.owner);
    else if (s.key) await ctx.snapshotter.remove(s.key).catch(() => undefined);
    await releaseBlobs(ctx, [id, manifestDigest], s.owner);
    throw err;
  }
}
