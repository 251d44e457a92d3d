/**
 * @module metadata/container-repository
 * Container records as one JSON file each (`<root>/<id>/config.v2.json`, as moby keeps them),
 * written atomically; all records are loaded at boot and served from memory. A crash leaves the
 * previous or the new record, never a torn one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../containers/container-types.js';
import { readJson, writeJsonAtomic } from '../util/atomic-file.js';

export interface ContainerRepository {
  get(id: string): ContainerRecord | undefined;
  all(): ContainerRecord[];
  put(record: ContainerRecord): Promise<void>;
  delete(id: string): Promise<void>;
  /** The directory that holds a container's persistent files (record, log, hosts…). */
  dir(id: string): string;
}

export class JsonContainerRepository implements ContainerRepository {
  private readonly records = new Map<string, ContainerRecord>();

  private constructor(private readonly root: string) {}

  static async open(root: string): Promise<JsonContainerRepository> {
    const repo = new JsonContainerRepository(root);
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    for (const id of await fs.readdir(root)) {
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      const rec = await readJson<ContainerRecord>(path.join(root, id, 'config.v2.json')).catch(() => undefined);
      if (rec && rec.id === id) repo.records.set(id, rec);
    }
    return repo;
  }

  /** Copies, so a caller's mutation never leaks into the stored state without a put(). */
  get(id: string): ContainerRecord | undefined {
    const r = this.records.get(id);
    return r && structuredClone(r);
  }

  all(): ContainerRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  dir(id: string): string {
    return path.join(this.root, id);
  }

  async put(record: ContainerRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.root, record.id, 'config.v2.json'), record);
    this.records.set(record.id, structuredClone(record));
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    await fs.rm(this.dir(id), { recursive: true, force: true });
  }
}
