/**
 * @module images/image-push
 * `docker push`: for each tag of the repository (or the one asked for), upload every layer blob the
 * registry does not have (HEAD first; a cross-repository mount when another repository of the same
 * registry is known to hold it; else a monolithic upload), then the config, and the manifest LAST
 * so a failed push never leaves a tag pointing at missing blobs. The image's stored manifest bytes
 * are pushed as they are, so the digest matches the one recorded at pull/commit time.
 */
import { pipeline, Transform } from 'node:stream';
import { errors } from '../errors/engine-error.js';
import { DistributionRegistryClient } from '../registry/registry-client.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ProgressEvent, PushOptions } from './distribution-types.js';
import { asEngineError, type ImageContext } from './image-context.js';
import type { DistributionState } from './image-pull.js';
import type { Descriptor, Digest, ImageReference } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { MEDIA_TYPES, serializeManifest } from './oci-image.js';
import { familiarName, parseReference, repositoryName, shortId, trimReference, withDigest, withTag } from './reference.js';

export function pushImage(ctx: ImageContext, dist: DistributionState, name: string, tag: string | undefined, opts: PushOptions = {}): AsyncIterable<ProgressEvent> {
  const q = new AsyncQueue<ProgressEvent>();
  void runPush(ctx, dist, name, tag, opts, (e) => q.push(e)).then(() => q.end(), (err: unknown) => q.fail(asEngineError(err, 'push failed')));
  return q;
}

/** The tags to push, resolved before anything is sent (a missing image is a plain 404). */
export function pushTargets(ctx: ImageContext, name: string, tag: string | undefined): { ref: ImageReference; image: StoredImage }[] {
  let ref = parseReference(name, { defaultTag: false });
  if (ref.digest) throw errors.invalid('cannot push a digest reference');
  if (tag) ref = withTag(ref, tag);
  const refs: ImageReference[] = ref.tag !== undefined ? [ref] : [];
  if (!refs.length) {
    for (const img of ctx.store.list()) {
      for (const r of ctx.store.references(img.id)) if (r.tag !== undefined && r.domain === ref.domain && r.path === ref.path) refs.push(r);
    }
    if (!refs.length) throw errors.notFoundMessage(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  }
  return refs.map((r) => {
    const id = ctx.store.lookupReference(r);
    const image = id && ctx.store.get(id);
    if (!image) throw errors.notFoundMessage(`An image does not exist locally with the tag: ${familiarName(r)}`);
    return { ref: r, image };
  });
}

async function runPush(ctx: ImageContext, dist: DistributionState, name: string, tag: string | undefined, opts: PushOptions, emit: (e: ProgressEvent) => void): Promise<void> {
  const { signal } = opts;
  const targets = pushTargets(ctx, name, tag);
  const first = targets[0]!.ref;
  const client = new DistributionRegistryClient(first.domain, { auth: opts.auth, insecureRegistries: dist.config.insecureRegistries, http: dist.config.http });
  const repo = first.path;
  emit({ status: `The push refers to repository [${repositoryName(first)}]` });
  const owner = Symbol('push');
  try {
    for (const { ref, image } of targets) {
      for (const d of [image.id, ...image.layers.map((l) => l.digest)]) ctx.holds.add(d, owner);
      const manifest = await manifestOf(ctx, image);
      const layerIds = image.layers.map((l, i) => shortId(image.diffIds[i] ?? l.digest));
      for (const id of layerIds) emit({ status: 'Preparing', id });
      await Promise.all(image.layers.map(async (l, i) => pushBlob(ctx, client, repo, l, layerIds[i]!, mountSources(ctx, ref, l.digest), emit, signal)));
      await pushBlob(ctx, client, repo, { mediaType: MEDIA_TYPES.config, digest: image.id, size: (await ctx.content.info(image.id)).size }, undefined, [], emit, signal);
      const digest = await client.putManifest(repo, ref.tag!, manifest.bytes, manifest.mediaType, signal);
      emit({ status: `${ref.tag}: digest: ${digest} size: ${manifest.bytes.length}` });
      emit({ status: '', aux: { Tag: ref.tag, Digest: digest, Size: manifest.bytes.length } });
      await ctx.mutex.run(async () => {
        if (ctx.store.get(image.id)) await ctx.store.addReference(withDigest(trimReference(ref), digest), image.id);
      });
      ctx.events?.('push', ref.familiar, { ...(image.config.labels ?? {}), name: ref.familiar });
    }
  } finally {
    ctx.holds.releaseAll(owner);
  }
}

/** The recorded manifest bytes; images from older stores get one written now. */
export async function manifestOf(ctx: ImageContext, image: StoredImage): Promise<{ bytes: Buffer; mediaType: string }> {
  if (image.manifest && (await ctx.content.has(image.manifest.digest))) {
    return { bytes: await ctx.content.readBytes(image.manifest.digest), mediaType: image.manifest.mediaType };
  }
  if (image.layers.length !== image.diffIds.length) throw errors.precondition(`image ${shortId(image.id)} has no layer blobs to push`);
  const configInfo = await ctx.content.info(image.id);
  const bytes = serializeManifest({ mediaType: MEDIA_TYPES.config, digest: image.id, size: configInfo.size }, image.layers);
  await ctx.content.writeBytes(bytes);
  return { bytes, mediaType: MEDIA_TYPES.manifest };
}

/** Other repositories of the same registry that hold this blob (from recorded repo digests). */
function mountSources(ctx: ImageContext, ref: ImageReference, digest: Digest): string[] {
  const out = new Set<string>();
  for (const img of ctx.store.list()) {
    if (!img.layers.some((l) => l.digest === digest)) continue;
    for (const r of ctx.store.references(img.id)) if (r.digest && r.domain === ref.domain && r.path !== ref.path) out.add(r.path);
  }
  return [...out].slice(0, 3);
}

async function pushBlob(
  ctx: ImageContext, client: DistributionRegistryClient, repo: string, desc: Descriptor, id: string | undefined,
  sources: string[], emit: (e: ProgressEvent) => void, signal?: AbortSignal,
): Promise<void> {
  if (!(await ctx.content.has(desc.digest))) throw errors.precondition(`blob ${desc.digest} is missing locally; the image cannot be pushed`);
  if (id) emit({ status: 'Waiting', id });
  if (await client.blobExists(repo, desc.digest, signal)) {
    if (id) emit({ status: 'Layer already exists', id });
    return;
  }
  for (const from of sources) {
    if (await client.mountBlob(repo, desc.digest, from, signal)) {
      if (id) emit({ status: `Mounted from ${from}`, id });
      return;
    }
  }
  await client.uploadBlob(repo, desc, () => {
    let n = 0;
    let last = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        n += chunk.length;
        if (id && (n - last >= 512 * 1024 || n === desc.size)) { last = n; emit({ status: 'Pushing', id, current: n, total: desc.size }); }
        cb(null, chunk);
      },
    });
    return pipeline(ctx.content.read(desc.digest), counter, () => undefined);
  }, signal);
  if (id) emit({ status: 'Pushed', id });
}
