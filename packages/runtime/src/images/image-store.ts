/**
 * @module images/image-store
 * Persistent image metadata. Layout under `root`:
 *   images/<hex>.json   one StoredImage per image (id = sha256 of its OCI config blob)
 *   repositories.json   Docker's layout: {"Repositories": {"busybox": {"busybox:latest": "sha256:…"}}}
 * Keys are familiar strings (`repo:tag` or `repo@digest`). Everything is loaded into memory on
 * `open()`; reads are synchronous, mutations are serialized by an in-process mutex and written with
 * writeJsonAtomic before memory is updated, so memory never runs ahead of disk. Write order keeps a
 * crash consistent: image file before the reference that points at it; references before the file
 * they point at is removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errors } from '../errors/engine-error.js';
import { readJson, writeJsonAtomic } from '../util/atomic-file.js';
import { Mutex } from '../util/mutex.js';
import type { Descriptor, Digest, HistoryItem, ImageRecord, ImageReference, ImageRunConfig } from './image-types.js';
import { familiarName, familiarString, parseReference, toImageId, trimReference, withDigest } from './reference.js';

/** What is persisted per image: ImageRecord minus computed fields, plus content-store bookkeeping. */
export interface StoredImage {
  id: Digest;
  created: string;
  author: string;
  comment: string;
  /** Container a `docker commit` made this image from. */
  container?: string;
  architecture: string;
  os: string;
  variant?: string;
  config: ImageRunConfig;
  diffIds: Digest[];
  /** Uncompressed size of each layer, parallel to diffIds. */
  layerSizes: number[];
  history: HistoryItem[];
  chainId: Digest | null;
  size: number;
  parent: string;
  /** The OCI manifest blob in the content store, when one was written or pulled. */
  manifest?: Descriptor;
  /** Layer blobs in the content store, parallel to diffIds. */
  layers: Descriptor[];
  /** When this engine recorded the image. */
  recordedAt: string;
}

interface RepositoriesFile {
  Repositories: Record<string, Record<string, string>>;
}

const HEX64 = /^[a-f0-9]{64}$/;

export class ImageStore {
  private readonly images = new Map<Digest, StoredImage>();
  /** familiar key (`busybox:latest`, `busybox@sha256:…`) → image id */
  private refs = new Map<string, Digest>();
  private readonly mutex = new Mutex();
  /** Problems found while loading (corrupt files, dangling references); the daemon logs them. */
  readonly warnings: string[] = [];

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<ImageStore> {
    const store = new ImageStore(root);
    await store.load();
    return store;
  }

  private get imagesDir(): string {
    return path.join(this.root, 'images');
  }

  private get repositoriesFile(): string {
    return path.join(this.root, 'repositories.json');
  }

  private async load(): Promise<void> {
    await fs.mkdir(this.imagesDir, { recursive: true });
    for (const name of await fs.readdir(this.imagesDir)) {
      const hex = name.endsWith('.json') ? name.slice(0, -5) : '';
      if (!HEX64.test(hex)) continue; // temp files of interrupted atomic writes
      try {
        const img = await readJson<StoredImage>(path.join(this.imagesDir, name));
        if (!img || img.id !== `sha256:${hex}`) throw new Error('id does not match file name');
        this.images.set(img.id, normalize(img));
      } catch (err) {
        this.warnings.push(`image store: skipping ${name}: ${(err as Error).message}`);
      }
    }
    const file = await readJson<RepositoriesFile>(this.repositoriesFile);
    for (const repo of Object.values(file?.Repositories ?? {})) {
      for (const [key, id] of Object.entries(repo)) {
        if (this.images.has(id as Digest)) this.refs.set(key, id as Digest);
        else this.warnings.push(`image store: dropping reference ${key} to missing image ${id}`);
      }
    }
  }

  get(id: Digest): StoredImage | undefined {
    return this.images.get(id);
  }

  list(): StoredImage[] {
    return [...this.images.values()];
  }

  get size(): number {
    return this.images.size;
  }

  /**
   * Full id (`sha256:<hex>` or bare hex) or a unique id prefix (≥ 1 hex char, optionally after
   * `sha256:`). Ambiguous or unknown → undefined, as Docker's digest set lookup.
   */
  search(term: string): Digest | undefined {
    const full = toImageId(term);
    if (full) return this.images.has(full) ? full : undefined;
    const prefix = term.startsWith('sha256:') ? term.slice(7) : term;
    if (!/^[a-f0-9]+$/.test(prefix)) return undefined;
    let found: Digest | undefined;
    for (const id of this.images.keys()) {
      if (!id.startsWith(`sha256:${prefix}`)) continue;
      if (found) return undefined;
      found = id;
    }
    return found;
  }

  /** Image id a reference points at; `x:tag@digest` is looked up by digest only (as Docker). */
  lookupReference(ref: ImageReference): Digest | undefined {
    return this.refs.get(referenceKey(ref));
  }

  /** All references to `id`, sorted by familiar string. */
  references(id: Digest): ImageReference[] {
    const out: ImageReference[] = [];
    for (const [key, target] of this.refs) if (target === id) out.push(parseReference(key, { defaultTag: false }));
    return out.sort((a, b) => (a.familiar < b.familiar ? -1 : a.familiar > b.familiar ? 1 : 0));
  }

  toRecord(img: StoredImage): ImageRecord {
    const refs = this.references(img.id);
    return {
      id: img.id,
      repoTags: refs.filter((r) => r.tag !== undefined).map((r) => r.familiar),
      repoDigests: refs.filter((r) => r.digest !== undefined).map((r) => r.familiar),
      created: img.created,
      author: img.author,
      comment: img.comment,
      ...(img.container ? { container: img.container } : {}),
      architecture: img.architecture,
      os: img.os,
      config: img.config,
      diffIds: [...img.diffIds],
      history: img.history.map((h) => ({ ...h })),
      chainId: img.chainId,
      size: img.size,
      parent: img.parent,
      labels: { ...(img.config.labels ?? {}) },
    };
  }

  /** Creates or replaces an image record. */
  put(img: StoredImage): Promise<void> {
    return this.mutex.run(async () => {
      const stored = normalize(structuredClone(img));
      await writeJsonAtomic(this.imageFile(img.id), stored);
      this.images.set(img.id, stored);
    });
  }

  /** Removes the image and every reference to it. */
  delete(id: Digest): Promise<void> {
    return this.mutex.run(async () => {
      const next = new Map([...this.refs].filter(([, target]) => target !== id));
      if (next.size !== this.refs.size) await this.writeRefs(next);
      await fs.rm(this.imageFile(id), { force: true });
      this.images.delete(id);
    });
  }

  /** Points `ref` at `id` (moving it away from another image). Returns the previous target. */
  addReference(ref: ImageReference, id: Digest): Promise<Digest | undefined> {
    return this.mutex.run(async () => {
      if (!this.images.has(id)) throw errors.notFound('image', id);
      if (ref.tag !== undefined && ref.digest !== undefined) throw errors.invalid('cannot add a reference with both tag and digest');
      const key = referenceKey(ref);
      const previous = this.refs.get(key);
      if (previous === id) return previous;
      const next = new Map(this.refs);
      next.set(key, id);
      await this.writeRefs(next);
      return previous;
    });
  }

  /** Removes one reference; false when it did not exist. */
  deleteReference(ref: ImageReference): Promise<boolean> {
    return this.mutex.run(async () => {
      const key = referenceKey(ref);
      if (!this.refs.has(key)) return false;
      const next = new Map(this.refs);
      next.delete(key);
      await this.writeRefs(next);
      return true;
    });
  }

  private imageFile(id: Digest): string {
    return path.join(this.imagesDir, `${id.slice('sha256:'.length)}.json`);
  }

  private async writeRefs(next: Map<string, Digest>): Promise<void> {
    const file: RepositoriesFile = { Repositories: {} };
    for (const key of [...next.keys()].sort()) {
      const repo = familiarName(parseReference(key, { defaultTag: false }));
      (file.Repositories[repo] ??= {})[key] = next.get(key)!;
    }
    await writeJsonAtomic(this.repositoriesFile, file);
    this.refs = next;
  }
}

/** Store key of a reference: `name:tag` (default latest) or `name@digest` (digest wins over a tag). */
export function referenceKey(ref: ImageReference): string {
  if (ref.digest) return familiarString(withDigest(trimReference(ref), ref.digest));
  return familiarString({ domain: ref.domain, path: ref.path, tag: ref.tag ?? 'latest' });
}

function normalize(img: StoredImage): StoredImage {
  img.layerSizes ??= img.diffIds.map(() => 0);
  img.layers ??= [];
  img.history ??= [];
  img.config ??= {};
  img.parent ??= '';
  return img;
}
