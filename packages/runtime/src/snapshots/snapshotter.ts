/**
 * @module snapshots/snapshotter
 * Vocabulary (containerd): `key` = active (writable) snapshot, `name` = committed snapshot,
 * `parent` = committed name | null.
 * Layer import: prepare(key, parent) → applyLayer(upperDir(key)) → commit(chainId, key).
 * Container rootfs: prepare(ctrKey, imageChainId) → mount(mounts, target) → … → unmount → remove(ctrKey).
 */
export type Mount = { type: 'overlay' | 'bind'; source: string; options: readonly string[] };

export interface SnapshotInfo {
  key: string;
  kind: 'active' | 'committed';
  parent: string | null;
  created: string;
}

export interface Snapshotter {
  readonly id: string;
  stat(keyOrName: string): Promise<SnapshotInfo>;            // NOT_FOUND
  exists(keyOrName: string): Promise<boolean>;
  prepare(key: string, parent: string | null): Promise<Mount[]>; // ALREADY_EXISTS if key exists
  mounts(key: string): Promise<Mount[]>;
  /** The snapshot's own directory (the overlay upper dir of an active snapshot; the layer dir of a committed one). */
  upperDir(keyOrName: string): Promise<string>;
  /** Lower dirs, topmost first (for GraphDriver data). */
  lowerDirs(keyOrName: string): Promise<string[]>;
  commit(name: string, key: string): Promise<void>;          // ALREADY_EXISTS if name exists
  remove(keyOrName: string): Promise<void>;                  // FAILED_PRECONDITION if it has children
  usage(keyOrName: string): Promise<{ bytes: number; inodes: number }>;
  walk(): AsyncIterable<SnapshotInfo>;
}

/** Mounts `mounts` at `target` (mkdir -p); `unmount` is idempotent (not mounted → ok). */
export interface Mounter {
  mount(mounts: readonly Mount[], target: string): Promise<void>;
  unmount(target: string): Promise<void>;
}
