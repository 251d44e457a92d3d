/**
 * @module images/image-archive
 * `docker save` / `docker load` in the docker-archive format (what dockerd 25+ writes, which is also
 * an OCI image layout):
 *   blobs/sha256/<hex>   config, layer (as stored, maybe gzip) and manifest blobs
 *   manifest.json        [{"Config":"blobs/sha256/<cfg>","RepoTags":["x:y"],"Layers":["blobs/sha256/<l1>",…]}]
 *   repositories         {"x":{"y":"<image hex>"}}
 *   index.json, oci-layout
 * Load reads any such archive (and the older `<id>/layer.tar` layout, symlinks included) without
 * ever writing by entry name: every regular file is ingested into the content store by digest, so
 * names only matter as keys; names or link targets with `..` or a leading `/` are refused. Layers are
 * then unpacked through the confined applyLayer and checked against the config's diff_ids.
 */
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, type Readable } from 'node:stream';
import { extract as tarExtract, pack as tarPack, type Header, type Pack } from 'tar-stream';
import { errors } from '../errors/engine-error.js';
import type { LoadResult } from './distribution-types.js';
import { asEngineError, releaseBlobs, type ImageContext } from './image-context.js';
import { holdAll, recordImage, unpackLayer, type Inflight } from './image-ingest.js';
import { manifestOf } from './image-push.js';
import type { Descriptor, Digest, ImageReference } from './image-types.js';
import type { StoredImage } from './image-store.js';
import { layerMediaTypeOf, MEDIA_TYPES, parseImageConfig, serializeManifest, sha256Digest } from './oci-image.js';
import { familiarName, parseReference, referenceString, toImageId } from './reference.js';

const JSON_LIMIT = 4 << 20;
const EPOCH = new Date(0);

/** Resolves every name first (a missing one is a plain 404), then streams the archive. */
export function saveImages(ctx: ImageContext, resolve: (refOrId: string) => StoredImage, names: readonly string[], signal?: AbortSignal): Readable {
  if (!names.length) throw errors.invalid('no image names given');
  const picked = new Map<Digest, { image: StoredImage; tags: ImageReference[] }>();
  for (const n of names) {
    const image = resolve(n);
    const entry = picked.get(image.id) ?? { image, tags: [] };
    picked.set(image.id, entry);
    if (!toImageId(n)) {
      const ref = parseReference(n, { defaultTag: false });
      if (ref.tag !== undefined && !ref.digest) entry.tags.push(ref);
      else if (ref.tag === undefined && !ref.digest) entry.tags.push(...ctx.store.references(image.id).filter((r) => r.tag !== undefined && r.domain === ref.domain && r.path === ref.path));
    }
  }
  const owner = Symbol('save');
  for (const { image } of picked.values()) holdAll(ctx, owner, [image.id, ...image.layers.map((l) => l.digest)]);
  const pack = tarPack();
  const out = new PassThrough();
  void writeArchive(ctx, pack, [...picked.values()], signal)
    .then(() => pack.finalize(), (err: unknown) => pack.destroy(asEngineError(err, 'save failed') as Error))
    .finally(() => ctx.holds.releaseAll(owner));
  pack.on('error', (err) => out.destroy(err));
  return pack.pipe(out);
}

async function writeArchive(ctx: ImageContext, pack: Pack, images: { image: StoredImage; tags: ImageReference[] }[], signal?: AbortSignal): Promise<void> {
  const written = new Set<string>();
  await addEntry(pack, { name: 'blobs/', type: 'directory', mode: 0o755, mtime: EPOCH });
  await addEntry(pack, { name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: EPOCH });
  const blob = async (digest: Digest, bytes?: Buffer) => {
    const name = `blobs/sha256/${digest.slice(7)}`;
    if (written.has(name)) return name;
    written.add(name);
    signal?.throwIfAborted();
    if (bytes) await addEntry(pack, { name, size: bytes.length, mode: 0o444, mtime: EPOCH }, bytes);
    else {
      if (!(await ctx.content.has(digest))) throw errors.precondition(`blob ${digest} is missing locally; the image cannot be saved`);
      const { size } = await ctx.content.info(digest);
      await addEntry(pack, { name, size, mode: 0o444, mtime: EPOCH }, ctx.content.read(digest));
    }
    return name;
  };
  const manifestJson: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const index: unknown[] = [];
  for (const { image, tags } of images) {
    if (image.layers.length !== image.diffIds.length) throw errors.precondition(`image ${image.id} has no layer blobs to save`);
    const layers: string[] = [];
    for (const l of image.layers) layers.push(await blob(l.digest));
    const config = await blob(image.id);
    const m = await manifestOf(ctx, image);
    const mDigest = sha256Digest(m.bytes);
    await blob(mDigest, m.bytes);
    manifestJson.push({ Config: config, RepoTags: tags.length ? tags.map((t) => t.familiar) : null, Layers: layers });
    for (const t of tags) (repositories[familiarName(t)] ??= {})[t.tag!] = image.id.slice(7);
    const desc = { mediaType: m.mediaType, digest: mDigest, size: m.bytes.length };
    if (!tags.length) index.push(desc);
    for (const t of tags) index.push({ ...desc, annotations: { 'io.containerd.image.name': referenceString(t), 'org.opencontainers.image.ref.name': t.tag } });
  }
  const json = (name: string, v: unknown) => { const b = Buffer.from(JSON.stringify(v)); return addEntry(pack, { name, size: b.length, mode: 0o444, mtime: EPOCH }, b); };
  await json('index.json', { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: index });
  await json('manifest.json', manifestJson);
  await json('oci-layout', { imageLayoutVersion: '1.0.0' });
  if (Object.keys(repositories).length) await json('repositories', repositories);
}

function addEntry(pack: Pack, header: Partial<Header> & Pick<Header, 'name'>, body?: Buffer | Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (body === undefined || Buffer.isBuffer(body)) {
      pack.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      return;
    }
    const w = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    pipeline(body, w).catch(reject);
  });
}

interface ArchiveManifestEntry { Config?: unknown; RepoTags?: unknown; Layers?: unknown }

export async function loadImages(ctx: ImageContext, inflight: Inflight, tar: Readable, opts: { signal?: AbortSignal } = {}): Promise<LoadResult> {
  const { signal } = opts;
  const owner = Symbol('load');
  const files = new Map<string, Digest>();
  const links = new Map<string, string>();
  const small = new Map<string, Buffer>();
  const ingested: Digest[] = [];
  try {
    const ex = tarExtract();
    const reading = pipeline(tar, ex).catch((err: unknown) => { ex.destroy(err as Error); });
    for await (const entry of ex) {
      const h = entry.header;
      const name = safeName(h.name);
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.type === 'symlink' ? path.posix.join(path.posix.dirname(name), h.linkname ?? '') : (h.linkname ?? '');
        links.set(name, safeName(target));
        entry.resume();
      } else if (h.type !== 'file' && h.type !== 'contiguous-file') {
        entry.resume();
      } else if (['manifest.json', 'repositories', 'index.json'].includes(name)) {
        small.set(name, await readAll(entry as unknown as Readable, JSON_LIMIT, name));
      } else {
        const info = await ctx.content.ingest(entry as unknown as Readable, { signal });
        ctx.holds.add(info.digest, owner);
        ingested.push(info.digest);
        files.set(name, info.digest);
      }
    }
    await reading;
    const lookup = (name: unknown): Digest => {
      if (typeof name !== 'string') throw errors.invalid('invalid archive: manifest.json names a non-string file');
      let n = safeName(name);
      for (let hops = 0; links.has(n) && hops < 10; hops++) n = links.get(n)!;
      const d = files.get(n);
      if (!d) throw errors.invalid(`invalid archive: ${name} is listed in manifest.json but not in the archive`);
      return d;
    };
    const mj = small.get('manifest.json');
    if (!mj) throw errors.invalid('invalid archive: manifest.json not found (only docker-archive tarballs can be loaded)');
    let entries: ArchiveManifestEntry[];
    try {
      entries = JSON.parse(mj.toString()) as ArchiveManifestEntry[];
    } catch (err) {
      throw errors.invalid('invalid archive: manifest.json is not valid JSON', err);
    }
    if (!Array.isArray(entries)) throw errors.invalid('invalid archive: manifest.json is not a list');
    const messages: string[] = [];
    for (const e of entries) {
      const configDigest = lookup(e.Config);
      const configBytes = await ctx.content.readBytes(configDigest);
      const config = parseImageConfig(configBytes);
      const layerNames = Array.isArray(e.Layers) ? e.Layers : [];
      if (layerNames.length !== config.diffIds.length) throw errors.invalid(`invalid archive: ${layerNames.length} layers for ${config.diffIds.length} diff_ids`);
      const tags = (Array.isArray(e.RepoTags) ? e.RepoTags : []).map((t) => parseReference(String(t)));
      const layers: Descriptor[] = [];
      const sizes: number[] = [];
      for (const [i, ln] of layerNames.entries()) {
        const d = lookup(ln);
        const info = await ctx.content.info(d);
        layers.push({ mediaType: layerMediaTypeOf(await magic(ctx, d)), digest: d, size: info.size });
        sizes.push(await unpackLayer(ctx, inflight, d, config.diffIds, i, signal));
      }
      const configDesc = { mediaType: MEDIA_TYPES.config, digest: configDigest, size: configBytes.length };
      const mBytes = serializeManifest(configDesc, layers);
      const { id } = await recordImage(ctx, {
        owner, configBytes, config, manifest: { descriptor: { mediaType: MEDIA_TYPES.manifest, digest: sha256Digest(mBytes), size: mBytes.length }, bytes: mBytes },
        layers, layerSizes: sizes, tags, digests: [], event: 'load', eventName: tags[0]?.familiar ?? configDigest,
      });
      if (tags.length) for (const t of tags) messages.push(`Loaded image: ${t.familiar}`);
      else messages.push(`Loaded image ID: ${id}`);
    }
    return { messages };
  } catch (err) {
    tar.resume();
    throw asEngineError(err, 'load failed');
  } finally {
    ctx.holds.releaseAll(owner);
    // Whatever the archive held that no image uses (legacy `json`/`VERSION` files, a failed load).
    await ctx.mutex.run(() => releaseBlobs(ctx, ingested)).catch((e: unknown) => ctx.warn?.('load: cleanup failed', e));
  }
}

function safeName(raw: string): string {
  const n = path.posix.normalize(raw.replace(/^\.\//, '')).replace(/\/$/, '');
  if (raw.startsWith('/') || n === '..' || n.startsWith('../') || n.split('/').includes('..')) {
    throw errors.invalid(`invalid archive: entry name ${JSON.stringify(raw.slice(0, 200))} points outside the archive`);
  }
  return n;
}

async function readAll(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += (c as Buffer).length;
    if (n > limit) throw errors.invalid(`invalid archive: ${what} is larger than ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function magic(ctx: ImageContext, d: Digest): Promise<Buffer> {
  const s = ctx.content.read(d);
  try {
    for await (const c of s) return Buffer.from(c as Buffer).subarray(0, 8);
    return Buffer.alloc(0);
  } finally {
    s.destroy();
  }
}
