/**
 * @module build/build-cache
 * The classic builder's layer cache: step key → the image that step produced. A step key is
 * sha256 over the parent image id, the step's canonical text (its history `CreatedBy`, which
 * already carries RUN's build args as `|N K=V`) and, for COPY/ADD, the checksum of the copied
 * files. As every step's image id is fixed by its parent, equal keys mean an equal result.
 * Persisted as one JSON file under the data root (written atomically at the end of each build),
 * so it survives a daemon restart. A hit is only trusted while the image still exists with the same parent: `rmi` of an
 * intermediate image silently turns its entries into misses. `prune` forgets everything.
 */
import { createHash } from 'node:crypto';
import { readJson, writeJsonAtomic } from '../util/atomic-file.js';
import { Mutex } from '../util/mutex.js';

interface CacheFile {
  version: 1;
  entries: Record<string, { image: string; parent: string }>;
}

export function stepKey(parentId: string, createdBy: string, checksum = ''): string {
  return createHash('sha256').update(JSON.stringify([parentId, createdBy, checksum])).digest('hex');
}

export class BuildCache {
  private entries = new Map<string, { image: string; parent: string }>();
  private readonly mutex = new Mutex();
  private dirty = false;

  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<BuildCache> {
    const c = new BuildCache(file);
    const data = await readJson<CacheFile>(file).catch(() => undefined);
    if (data?.version === 1) c.entries = new Map(Object.entries(data.entries));
    return c;
  }

  /** The cached image id, if `exists(image, parent)` still holds. */
  get(key: string, exists: (image: string, parent: string) => boolean): string | undefined {
    const e = this.entries.get(key);
    return e && exists(e.image, e.parent) ? e.image : undefined;
  }

  /** Records in memory; `flush` persists (once per build: losing entries in a crash only costs a rebuild). */
  put(key: string, image: string, parent: string): void {
    this.entries.set(key, { image, parent });
    this.dirty = true;
  }

  async flush(): Promise<void> {
    await this.mutex.run(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      await this.save();
    });
  }

  /** Forgets entries whose image is gone (or all); returns how many were dropped. */
  async prune(keep: (image: string) => boolean = () => false): Promise<number> {
    return this.mutex.run(async () => {
      let n = 0;
      for (const [k, e] of this.entries) if (!keep(e.image)) { this.entries.delete(k); n++; }
      await this.save();
      return n;
    });
  }

  private async save(): Promise<void> {
    const out: CacheFile = { version: 1, entries: Object.fromEntries(this.entries) };
    await writeJsonAtomic(this.file, out);
  }
}
