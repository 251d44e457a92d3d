/**
 * @module images/image-pull
 * `docker pull`: resolve the reference (index → the manifest of this platform), fetch the config,
 * download missing layer blobs (3 at a time; each digest once across concurrent pulls), unpack them
 * in order, record the image and move the tag. Progress follows dockerd's messages so the stock
 * CLI draws its bars. Nothing is yielded before the manifest resolved, so a missing image is still
 * a plain HTTP error for the transport. Blobs are verified (size + digest) by the content store
 * while ingesting, before they become visible; diff_ids are verified while unpacking.
 */
import { errors } from '../errors/engine-error.js';
import { DistributionRegistryClient, type FetchedManifest } from '../registry/registry-client.js';
import { isIndexType, MANIFEST_LIMIT, platformString, selectPlatform } from '../registry/manifest.js';
import type { HttpOptions } from '../registry/registry-http.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { ProgressEvent, PullOptions } from './distribution-types.js';
import { asEngineError, type ImageContext } from './image-context.js';
import { holdAll, Inflight, recordImage, releaseIngest, unpackLayer } from './image-ingest.js';
import type { Descriptor, Digest, ImageReference } from './image-types.js';
import { chainIdsOf, parseImageConfig, parsePlatform } from './oci-image.js';
import { familiarName, parseReference, shortId, withDigest, trimReference } from './reference.js';

export interface DistributionConfig {
  insecureRegistries?: readonly string[];
  http?: HttpOptions;
  /** Parallel blob transfers per operation (Docker: 3). */
  concurrency?: number;
}

export interface DistributionState {
  config: DistributionConfig;
  inflight: Inflight;
}

export function pullImage(ctx: ImageContext, dist: DistributionState, refStr: string, opts: PullOptions = {}): AsyncIterable<ProgressEvent> {
  const q = new AsyncQueue<ProgressEvent>();
  void runPull(ctx, dist, refStr, opts, (e) => q.push(e)).then(() => q.end(), (err: unknown) => q.fail(asEngineError(err, 'pull failed')));
  return q;
}

async function runPull(ctx: ImageContext, dist: DistributionState, refStr: string, opts: PullOptions, emit: (e: ProgressEvent) => void): Promise<void> {
  const { signal } = opts;
  const ref = parseReference(refStr);
  const platform = parsePlatform(opts.platform);
  const client = new DistributionRegistryClient(ref.domain, { auth: opts.auth, insecureRegistries: dist.config.insecureRegistries, http: dist.config.http });
  const repo = ref.path;
  const names = { familiar: ref.familiar, familiarName: familiarName(ref) };
  const top = await client.getManifest(repo, ref.digest ?? ref.tag ?? 'latest', names, signal);
  let manifest: FetchedManifest = top;
  if (top.parsed.kind === 'index') {
    const entry = selectPlatform(top.parsed.manifests, platform);
    if (!entry) throw errors.notFoundMessage(`no matching manifest for ${platformString(platform)} in the manifest list entries`);
    if (isIndexType(entry.mediaType) || entry.digest === top.digest) throw errors.invalid('invalid manifest index: an index entry points to another index');
    manifest = await client.getManifest(repo, entry.digest, names, signal);
    if (manifest.parsed.kind !== 'image') throw errors.invalid('invalid manifest index: an index entry points to another index');
  }
  if (manifest.parsed.kind !== 'image') throw errors.invalid('invalid manifest');
  const { config: configDesc, layers } = manifest.parsed;
  emit({ status: `Pulling from ${familiarName(ref)}`, id: ref.digest ?? ref.tag ?? 'latest' });

  const owner = Symbol('pull');
  const touched: Digest[] = [top.digest, manifest.digest, configDesc.digest, ...layers.map((l) => l.digest)];
  holdAll(ctx, owner, touched);
  let diffIds: Digest[] = [];
  try {
    // Config.
    if (configDesc.size > MANIFEST_LIMIT) throw errors.invalid(`image config is too large: ${configDesc.size} bytes`);
    await dist.inflight.run(`blob:${configDesc.digest}`, async () => {
      if (await ctx.content.has(configDesc.digest)) return;
      await ctx.content.ingest(client.openBlob(repo, configDesc, signal), {
        expected: configDesc.digest, expectedSize: configDesc.size, maxSize: configDesc.size, signal,
      });
    });
    const configBytes = await ctx.content.readBytes(configDesc.digest);
    const config = parseImageConfig(configBytes);
    if (config.os && config.os !== 'linux') throw errors.invalid(`image operating system "${config.os}" cannot be used on this platform`);
    diffIds = config.diffIds;
    if (diffIds.length !== layers.length) throw errors.invalid(`invalid image: the manifest has ${layers.length} layers, the config ${diffIds.length} diff_ids`);
    const chain = chainIdsOf(diffIds);
    holdAll(ctx, owner, chain);

    // Which layers need bytes.
    const have = await Promise.all(layers.map(async (l, i) => (await ctx.snapshotter.exists(chain[i]!)) && (await ctx.content.has(l.digest))));
    for (const [i, l] of layers.entries()) emit({ status: have[i] ? 'Already exists' : 'Pulling fs layer', id: shortId(l.digest) });
    const downloads = new Map<number, Promise<void>>();
    const limit = pLimit(dist.config.concurrency ?? 3);
    for (const [i, l] of layers.entries()) {
      if (have[i]) continue;
      downloads.set(i, limit(() => download(ctx, dist, client, repo, l, emit, signal)));
    }
    // Unpack in order; a later download failing must not leave an earlier one unobserved.
    for (const p of downloads.values()) p.catch(() => undefined);
    const sizes: number[] = [];
    for (const [i, l] of layers.entries()) {
      await downloads.get(i);
      const id = shortId(l.digest);
      if (!have[i]) emit({ status: 'Extracting', id, current: 0, total: l.size });
      sizes.push(await unpackLayer(ctx, dist.inflight, l.digest, diffIds, i, signal));
      if (!have[i]) emit({ status: 'Extracting', id, current: l.size, total: l.size });
      if (!have[i]) emit({ status: 'Pull complete', id });
    }
    signal?.throwIfAborted();
    const tags: ImageReference[] = ref.digest ? [] : [ref];
    const digestRef = withDigest(trimReference(ref), top.digest);
    const result = await recordImage(ctx, {
      owner, configBytes, config,
      manifest: { descriptor: { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length }, bytes: manifest.bytes },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })), layerSizes: sizes,
      tags, digests: [digestRef], event: 'pull', eventName: ref.familiar,
    });
    emit({ status: `Digest: ${top.digest}` });
    const fresh = result.created || result.retagged || layers.some((_, i) => !have[i]);
    emit({ status: fresh ? `Status: Downloaded newer image for ${ref.familiar}` : `Status: Image is up to date for ${ref.familiar}` });
  } catch (err) {
    await releaseIngest(ctx, owner, touched, diffIds).catch((e: unknown) => ctx.warn?.('pull: cleanup failed', e));
    throw err;
  } finally {
    ctx.holds.releaseAll(owner);
  }
}

async function download(
  ctx: ImageContext, dist: DistributionState, client: DistributionRegistryClient, repo: string, l: Descriptor,
  emit: (e: ProgressEvent) => void, signal?: AbortSignal,
): Promise<void> {
  const id = shortId(l.digest);
  const key = `blob:${l.digest}`;
  if (dist.inflight.has(key)) emit({ status: 'Waiting', id });
  await dist.inflight.run(key, async () => {
    if (await ctx.content.has(l.digest)) return;
    let last = 0;
    let lastAt = 0;
    const onBytes = (n: number) => {
      const now = Date.now();
      if (n - last < 512 * 1024 && now - lastAt < 100 && n < l.size) return;
      last = n;
      lastAt = now;
      emit({ status: 'Downloading', id, current: n, total: l.size });
    };
    emit({ status: 'Downloading', id, current: 0, total: l.size });
    await ctx.content.ingest(client.openBlob(repo, l, signal, onBytes), { expected: l.digest, expectedSize: l.size, maxSize: l.size, signal });
  });
  emit({ status: 'Verifying Checksum', id });
  emit({ status: 'Download complete', id });
}

/** Minimal concurrency limiter. */
function pLimit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  const next = () => { active--; waiting.shift()?.(); };
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      next();
    }
  };
}
