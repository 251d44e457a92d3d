/**
 * @module containers/container-archive-types
 * Types of `docker cp` (HEAD/GET/PUT /containers/{id}/archive). PathStat is moby's
 * `container.PathStat`; `mode` is a Go os.FileMode (type bits in the high bits: dir 1<<31,
 * symlink 1<<27…), because the CLI decodes it as one.
 */
import type { Readable } from 'node:stream';

export interface PathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits. */
  mode: number;
  /** RFC 3339 time. */
  mtime: string;
  /** For a symlink: its target fully resolved inside the container (absolute); '' otherwise. */
  linkTarget: string;
}

export interface PutArchiveOptions {
  /** Fail instead of replacing a directory by a non-directory or the reverse (the CLI sets it). */
  noOverwriteDirNonDir?: boolean;
  /** Own every entry by the container's user (docker cp -a). */
  copyUIDGID?: boolean;
  signal?: AbortSignal;
}

export interface ArchiveResult {
  stat: PathStat;
  tar: Readable;
}
