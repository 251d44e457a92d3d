/**
 * @module images/local-image-service
 * The ImageService of a single host: images live in the ImageStore (metadata), the ContentStore
 * (config, manifest and layer blobs) and the Snapshotter (one committed snapshot per chain id).
 * Lookups follow moby's GetImage: a full id; else a reference (`busybox` = `busybox:latest`); else
 * a unique id prefix. Every mutation (import's record step, tag, remove) runs under one mutex.
 */
import type { Readable } from 'node:stream';
import { errors } from '../errors/engine-error.js';
import type { ImageService } from '../services.js';
import { Mutex } from '../util/mutex.js';
import { asEngineError, Holds, type ImageContext, type LocalImageServiceDeps } from './image-context.js';
import { deleteImage } from './image-delete.js';
import { commitLayerTar, type CommitLayerInput } from './image-commit.js';
import { importLayerTar } from './image-import.js';
import { buildHistory, filterImages } from './image-queries.js';
import type { StoredImage } from './image-store.js';
import type { ImageDeleteItem, ImageFilter, ImageHistoryEntry, ImageRecord, ImportOptions } from './image-types.js';
import { familiarString, parseReference, repoTagReference, toImageId } from './reference.js';
import type { LoadResult, LoginResult, ProgressEvent, PullOptions, PushOptions, RegistryAuth } from './distribution-types.js';
import { loadImages, saveImages } from './image-archive.js';
import { Inflight } from './image-ingest.js';
import { pullImage, type DistributionConfig, type DistributionState } from './image-pull.js';
import { pushImage } from './image-push.js';
import { loginRegistry } from './image-login.js';
import { pruneImages, type ImagePruneOptions } from './image-prune.js';

export type {
  ApplyLayerFn, ImageEventAction, ImageEventFn, ImageInUseFn, LocalImageServiceDeps,
} from './image-context.js';

export class LocalImageService implements ImageService {
  private readonly ctx: ImageContext;

  private readonly dist: DistributionState;

  /** `dist`: registry settings (insecure registries, HTTP timeouts) for pull/push/login. */
  constructor(deps: LocalImageServiceDeps, dist: DistributionConfig = {}) {
    this.ctx = { ...deps, mutex: new Mutex(), holds: new Holds() };
    this.dist = { config: dist, inflight: new Inflight() };
  }

  /** `docker pull`: progress until the image is recorded; errors before the first event mean nothing was done. */
  pull(ref: string, opts: PullOptions = {}): AsyncIterable<ProgressEvent> {
    return pullImage(this.ctx, this.dist, ref, opts);
  }

  /** `docker push` of one tag, or of every tag of the repository when `tag` is absent. */
  push(name: string, tag: string | undefined, opts: PushOptions = {}): AsyncIterable<ProgressEvent> {
    return pushImage(this.ctx, this.dist, name, tag, opts);
  }

  /** `docker login`: checks the credentials against the registry; stores nothing. */
  async login(auth: RegistryAuth, opts: { signal?: AbortSignal } = {}): Promise<LoginResult> {
    return loginRegistry(this.dist, auth, opts.signal);
  }

  /** `docker save`: a docker-archive tar stream; unknown names throw before streaming. */
  save(names: readonly string[], opts: { signal?: AbortSignal } = {}): Readable {
    return saveImages(this.ctx, (n) => this.resolveStored(n), names, opts.signal);
  }

  /** `docker load` of a docker-archive tar. */
  async load(tar: Readable, opts: { signal?: AbortSignal } = {}): Promise<LoadResult> {
    return loadImages(this.ctx, this.dist.inflight, tar, opts);
  }

  /** moby GetImage. NOT_FOUND `No such image: <ref>`; INVALID_ARGUMENT for a malformed reference. */
  resolveStored(refOrId: string): StoredImage {
    const full = toImageId(refOrId);
    if (full) {
      const img = this.ctx.store.get(full);
      if (!img) throw errors.notFound('image', full);
      return img;
    }
    const ref = parseReference(refOrId);
    const id = this.ctx.store.lookupReference(ref) ?? this.ctx.store.search(refOrId);
    const img = id ? this.ctx.store.get(id) : undefined;
    // Docker names the missing image with its default tag: "No such image: busybox:latest".
    if (!img) throw errors.notFound('image', familiarString(ref));
    return img;
  }

  /** The image a container would be created from. */
  async resolve(refOrId: string): Promise<ImageRecord> {
    return this.ctx.store.toRecord(this.resolveStored(refOrId));
  }

  async inspect(refOrId: string): Promise<ImageRecord> {
    return this.resolve(refOrId);
  }

  async list(filter: ImageFilter = {}): Promise<ImageRecord[]> {
    const before = filter.before !== undefined ? this.resolveStored(filter.before).created : undefined;
    const since = filter.since !== undefined ? this.resolveStored(filter.since).created : undefined;
    const store = this.ctx.store;
    const candidates = store.list().map((image) => ({ image, refs: store.references(image.id) }));
    return filterImages(candidates, { references: filter.references, labels: filter.labels, dangling: filter.dangling, all: filter.all, before, since }, (i) => store.toRecord(i));
  }

  async history(refOrId: string): Promise<ImageHistoryEntry[]> {
    const img = this.resolveStored(refOrId);
    const tags = this.ctx.store.references(img.id).filter((r) => r.tag !== undefined).map((r) => r.familiar);
    return buildHistory(img, tags);
  }

  async tag(source: string, repo: string, tag?: string): Promise<void> {
    const ref = repoTagReference(repo, tag);
    await this.ctx.mutex.run(async () => {
      const img = this.resolveStored(source);
      try {
        await this.ctx.store.addReference(ref, img.id);
      } catch (err) {
        throw asEngineError(err, 'tag failed');
      }
      this.ctx.events?.('tag', img.id, { ...(img.config.labels ?? {}), name: ref.familiar });
    });
  }

  async remove(refOrId: string, opts: { force?: boolean; noPrune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.ctx.mutex.run(async () => {
      const img = this.resolveStored(refOrId);
      try {
        return await deleteImage(this.ctx, img, refOrId, opts);
      } catch (err) {
        throw asEngineError(err, 'image delete failed');
      }
    });
  }

  /** `docker image prune` (image-prune.ts). */
  prune(opts?: ImagePruneOptions): Promise<{ deleted: ImageDeleteItem[]; spaceReclaimed: number }> {
    return pruneImages({ list: (f) => this.list(f), remove: (r, o) => this.remove(r, o), inUse: async (id) => !!(await this.ctx.inUse(id)) }, opts);
  }

  async importTar(tar: Readable, opts: ImportOptions): Promise<{ id: string }> {
    return importLayerTar(this.ctx, tar, opts);
  }

  /** `docker commit`'s image half; the container service packs the layer (see image-commit.ts). */
  async commitLayer(input: CommitLayerInput): Promise<{ id: string }> {
    return commitLayerTar(this.ctx, input);
  }

  /** Totals for `docker info` / `system df`; shared layers are counted once per image. */
  async usage(): Promise<{ images: number; bytes: number }> {
    const all = this.ctx.store.list();
    return { images: all.length, bytes: all.reduce((n, i) => n + i.size, 0) };
  }
}
