/**
 * @module volumes/volume-types
 * Domain types of volumes (local driver only): a volume is a directory `<dataRoot>/volumes/<name>/_data`
 * plus a metadata JSON next to it. Anonymous volumes get a random 64-hex name and go away with
 * `rm -v` / auto-remove of the container that created them.
 */

export interface VolumeRecord {
  name: string;
  driver: 'local';
  /** Host path of the data directory. */
  mountpoint: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  createdAt: string;
  anonymous: boolean;
}

export interface VolumeFilter {
  names?: string[];
  /** "key" or "key=value" */
  labels?: string[];
  dangling?: boolean;
}

export interface VolumeService {
  /** Idempotent for an existing name (Docker returns the existing volume). */
  create(opts: { name?: string; labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean }): Promise<VolumeRecord>;
  list(filter?: VolumeFilter): Promise<VolumeRecord[]>;
  inspect(name: string): Promise<VolumeRecord>;
  /** 409 when a container references it; `force` ignores a missing volume. */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** Removes unused volumes (anonymous only unless `all`); returns the names and reclaimed bytes. */
  prune(opts?: { all?: boolean }): Promise<{ deleted: string[]; spaceReclaimed: number }>;
}
