/**
 * @module images/image-import
 * `docker import`: a root filesystem tar becomes a one-layer image.
 *   1. ingest the stream as the layer blob (media type from its magic bytes);
 *   2. prepare('import-<random>', null) → applyLayer(blob, upperDir) → diffId;
 *   3. under the service mutex: commit(chainId, key), or drop the key when that chain id snapshot
 *      already exists; write the OCI config (its digest is the image id) and manifest; record the
 *      image; move the tag.
 * Any failure rolls back everything this import created (snapshot, blobs, record); blobs and
 * snapshots another operation holds or another image references are left alone. Nothing is
 * visible in the store until step 3 succeeds.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ContentStore } from '../content/content-store.js';
import { codeOf } from '../errors/engine-error.js';
import { applyChanges } from './dockerfile-changes.js';
import { asEngineError, commitOrReuseLayer, releaseBlobs, releaseSnapshots, type ImageContext } from './image-context.js';
import type { Descriptor, Digest, ImageReference, ImportOptions } from './image-types.js';
import type { StoredImage } from './image-store.js';
import {
  chainIdOf, layerMediaTypeOf, MEDIA_TYPES, parsePlatform, serializeImageConfig, serializeManifest, sha256Digest, type Platform,
} from './oci-image.js';
import { repoTagReference } from './reference.js';

interface Prepared {
  owner: symbol;
  /** Active snapshot still to be committed or removed. */
  key?: string;
  chainId: Digest;
  diffId: Digest;
  appliedSize: number;
  layer: Descriptor;
  platform: Platform;
  tagRef?: ImageReference;
  fields: Pick<StoredImage, 'created' | 'comment' | 'config' | 'history'>;
}

export async function importLayerTar(ctx: ImageContext, tar: Readable, opts: ImportOptions): Promise<{ id: Digest }> {
  const { signal } = opts;
  // Validate everything cheap before reading a byte of the stream.
  const tagRef = opts.repo ? repoTagReference(opts.repo, opts.tag) : undefined;
  const platform = opts.platform ? parsePlatform(opts.platform) : (ctx.platform ?? parsePlatform(undefined));
  const config = applyChanges({}, opts.changes ?? []);
  const created = (ctx.now?.() ?? new Date()).toISOString();
  const comment = opts.message || 'Imported from -';
  const owner = Symbol('import');
  let layerDigest: Digest | undefined;
  let prepared: Prepared | undefined;
  let key: string | undefined;
  try {
    const blob = await ctx.content.ingest(tar, { signal });
    layerDigest = blob.digest;
    ctx.holds.add(blob.digest, owner);
    const mediaType = layerMediaTypeOf(await readMagic(ctx.content, blob.digest));
    key = `import-${randomBytes(8).toString('hex')}`;
    await ctx.snapshotter.prepare(key, null);
    const applied = await ctx.applyLayer(ctx.content.path(blob.digest), await ctx.snapshotter.upperDir(key), { signal });
    const chainId = chainIdOf([applied.diffId])!;
    ctx.holds.add(chainId, owner);
    signal?.throwIfAborted();
    prepared = {
      owner, key, chainId, diffId: applied.diffId, appliedSize: applied.size, platform, tagRef,
      layer: { mediaType, digest: blob.digest, size: blob.size },
      fields: { created, comment, config, history: [{ created, createdBy: '', comment }] },
    };
    const p = prepared;
    return await ctx.mutex.run(() => record(ctx, p));
  } catch (err) {
    const liveKey = prepared ? prepared.key : key;
    if (liveKey) {
      await ctx.snapshotter.remove(liveKey).catch((e: unknown) => {
        if (codeOf(e) !== 'NOT_FOUND') ctx.warn?.(`image import: cannot remove snapshot ${liveKey}`, e);
      });
    }
    if (layerDigest) {
      const d = layerDigest;
      await ctx.mutex.run(() => releaseBlobs(ctx, [d], owner));
    }
    throw asEngineError(err, 'image import failed');
  } finally {
    ctx.holds.releaseAll(owner);
  }
}

/** Step 3; runs under the mutex and undoes its own effects on failure. */
async function record(ctx: ImageContext, p: Prepared): Promise<{ id: Digest }> {
  let committedNew = false;
  let id: Digest | undefined;
  let manifestDigest: Digest | undefined;
  let recorded = false;
  try {
    committedNew = await commitOrReuseLayer(ctx, p.key!, p.chainId);
    p.key = undefined;
    const size = await ctx.snapshotter.usage(p.chainId).then((u) => u.bytes, () => p.appliedSize);
    const configBytes = serializeImageConfig({
      created: p.fields.created, comment: p.fields.comment, architecture: p.platform.architecture, os: p.platform.os,
      variant: p.platform.variant, config: p.fields.config, diffIds: [p.diffId], history: p.fields.history,
    });
    id = sha256Digest(configBytes);
    const existed = ctx.store.get(id) !== undefined;
    const configInfo = await ctx.content.writeBytes(configBytes, id);
    const configDesc: Descriptor = { mediaType: MEDIA_TYPES.config, digest: configInfo.digest, size: configInfo.size };
    const manifestInfo = await ctx.content.writeBytes(serializeManifest(configDesc, [p.layer]));
    manifestDigest = manifestInfo.digest;
    if (!existed) {
      await ctx.store.put({
        id, created: p.fields.created, author: '', comment: p.fields.comment, architecture: p.platform.architecture,
        os: p.platform.os, ...(p.platform.variant ? { variant: p.platform.variant } : {}), config: p.fields.config,
        diffIds: [p.diffId], layerSizes: [size], history: p.fields.history, chainId: p.chainId, size, parent: '',
        manifest: { mediaType: MEDIA_TYPES.manifest, digest: manifestInfo.digest, size: manifestInfo.size },
        layers: [p.layer], recordedAt: (ctx.now?.() ?? new Date()).toISOString(),
      });
      recorded = true;
    }
    if (p.tagRef) await ctx.store.addReference(p.tagRef, id);
    const labels = p.fields.config.labels ?? {};
    ctx.events?.('import', id, { ...labels, name: id });
    if (p.tagRef) ctx.events?.('tag', id, { ...labels, name: p.tagRef.familiar });
    return { id };
  } catch (err) {
    if (recorded && id) await ctx.store.delete(id).catch((e: unknown) => ctx.warn?.(`image import: cannot drop record ${id}`, e));
    if (committedNew) await releaseSnapshots(ctx, [p.diffId], p.owner);
    await releaseBlobs(ctx, [id, manifestDigest], p.owner);
    throw err;
  }
}

async function readMagic(content: ContentStore, digest: Digest): Promise<Buffer> {
  const stream = content.read(digest);
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(Buffer.from(chunk as Uint8Array));
      n += (chunk as Uint8Array).length;
      if (n >= 8) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, 8);
}
