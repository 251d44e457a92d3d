/**
 * @module volumes/volume-service
 * The local volume driver. Metadata lives in `<root>/<name>/meta.json` (written atomically, after
 * the data dir exists, so a crash leaves at most an empty dir that the next create adopts). "In
 * use" is answered by the caller-supplied `usedBy` (the container records are the source of truth).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { errors } from '../errors/engine-error.js';
import { writeJsonAtomic } from '../util/atomic-file.js';
import { KeyedMutex } from '../util/mutex.js';
import type { VolumeFilter, VolumeRecord, VolumeService } from './volume-types.js';

export const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateVolumeName(name: string): void {
  if (!VOLUME_NAME_RE.test(name)) {
    throw errors.invalid(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

export interface LocalVolumeDeps {
  root: string;
  /** Ids of the containers whose mounts reference the volume. */
  usedBy(name: string): string[];
}

export class LocalVolumeService implements VolumeService {
  private readonly locks = new KeyedMutex();

  constructor(private readonly deps: LocalVolumeDeps) {}

  private dir(name: string): string {
    return path.join(this.deps.root, name);
  }

  async create(opts: { name?: string; labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean } = {}): Promise<VolumeRecord> {
    const anonymous = opts.anonymous ?? !opts.name;
    const name = opts.name || randomBytes(32).toString('hex');
    validateVolumeName(name);
    if (opts.options && Object.keys(opts.options).length) throw errors.invalid('local volume driver options are not supported by Berth');
    return this.locks.run(name, async () => {
      const existing = await this.read(name);
      if (existing) return existing;
      const rec: VolumeRecord = {
        name, driver: 'local', mountpoint: path.join(this.dir(name), '_data'), labels: opts.labels ?? {},
        options: {}, createdAt: new Date().toISOString(), anonymous,
      };
      await fs.mkdir(rec.mountpoint, { recursive: true, mode: 0o755 });
      await writeJsonAtomic(path.join(this.dir(name), 'meta.json'), rec);
      return rec;
    });
  }

  async inspect(name: string): Promise<VolumeRecord> {
    const rec = VOLUME_NAME_RE.test(name) ? await this.read(name) : undefined;
    if (!rec) throw errors.notFoundMessage(`get ${name}: no such volume`);
    return rec;
  }

  async list(filter: VolumeFilter = {}): Promise<VolumeRecord[]> {
    let names: string[] = [];
    try { names = await fs.readdir(this.deps.root); } catch { /* no volumes yet */ }
    const out: VolumeRecord[] = [];
    for (const n of names.sort()) {
      const rec = await this.read(n);
      if (rec && matches(rec, filter, this.deps.usedBy(n).length > 0)) out.push(rec);
    }
    return out;
  }

  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.locks.run(name, async () => {
      const rec = VOLUME_NAME_RE.test(name) ? await this.read(name) : undefined;
      if (!rec) {
        if (opts.force) return;
        throw errors.notFoundMessage(`get ${name}: no such volume`);
      }
      const users = this.deps.usedBy(name);
      if (users.length) throw errors.conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      // Metadata first: a crash midway leaves a dir without meta.json, which list/inspect ignore.
      await fs.rm(path.join(this.dir(name), 'meta.json'), { force: true });
      await fs.rm(this.dir(name), { recursive: true, force: true });
    });
  }

  async prune(opts: { all?: boolean } = {}): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const deleted: string[] = [];
    for (const v of await this.list({ dangling: true })) {
      if (!opts.all && !v.anonymous) continue;
      try { await this.remove(v.name); deleted.push(v.name); } catch { /* became used meanwhile */ }
    }
    return { deleted, spaceReclaimed: 0 };
  }

  private async read(name: string): Promise<VolumeRecord | undefined> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.dir(name), 'meta.json'), 'utf8')) as VolumeRecord;
    } catch {
      return undefined;
    }
  }
}

function matches(v: VolumeRecord, f: VolumeFilter, used: boolean): boolean {
  if (f.names?.length && !f.names.some((n) => v.name.includes(n))) return false;
  if (f.dangling !== undefined && f.dangling === used) return false;
  for (const l of f.labels ?? []) {
    const i = l.indexOf('=');
    if (i < 0 ? !(l in v.labels) : v.labels[l.slice(0, i)] !== l.slice(i + 1)) return false;
  }
  return true;
}
